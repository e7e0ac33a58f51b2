/* linux.* of config.json (internal to the spec parser, see spec-json.h). */
#ifndef CAPSA_RUNTIME_SPEC_LINUX_H
#define CAPSA_RUNTIME_SPEC_LINUX_H

#include "spec-json.h"
#include "spec.h"

/* Fill l from the "linux" object; cross-field checks included. */
int rt_spec_linux_fill(struct sj_ctx *c, json_t *v, struct rt_linux *l);
void rt_spec_linux_clear(struct rt_linux *l);

/* Shared with spec.c (defined there): an array of LinuxIDMapping, the value
 * at f->off, the count at f->aux. */
int rt_spec_p_idmaps(struct sj_ctx *c, json_t *v, void *base, const struct sj_field *f);

#endif
