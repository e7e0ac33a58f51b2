/* Capabilities of the container process (libcap). */
#ifndef CAPSA_RUNTIME_CAPS_H
#define CAPSA_RUNTIME_CAPS_H

#include "err.h"
#include "spec.h"

/* Drop every capability not in c->bounding from the bounding set.  Needs
 * CAP_SETPCAP: call while still root, before switching user. */
int rt_caps_apply_bounding(const struct rt_caps *c, struct rt_err *err);

/* Set effective, permitted and inheritable exactly, then raise the ambient
 * set.  Call after the user switch (done with PR_SET_KEEPCAPS). */
int rt_caps_apply(const struct rt_caps *c, struct rt_err *err);

/* Highest capability number the kernel knows. */
int rt_caps_last(void);

#endif
