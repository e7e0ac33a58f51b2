/* The `features` document (runtime-spec features.md): what this build of
 * capsa accepts and implements, found by asking the spec parser, libcap,
 * libseccomp and the kernel rather than from a hand-kept list where that is
 * possible.  (Not "features.h": under -Iruntime that would shadow glibc's
 * <features.h>.) */
#ifndef CAPSA_RUNTIME_OCI_FEATURES_H
#define CAPSA_RUNTIME_OCI_FEATURES_H

#include "err.h"

/* The features JSON (indented, valid against features-schema.json) as a
 * malloc'd string; version goes into the org.capsa.version annotation. */
int rt_features_json(const char *version, char **ret, struct rt_err *err);

#endif
