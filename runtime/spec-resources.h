/* linux.resources (internal to the spec parser, see spec-json.h). */
#ifndef CAPSA_RUNTIME_SPEC_RESOURCES_H
#define CAPSA_RUNTIME_SPEC_RESOURCES_H

#include "spec-json.h"
#include "spec.h"

/* Fill r from a LinuxResources object (sets r->present). */
int rt_spec_resources_fill(struct sj_ctx *c, json_t *v, struct rt_resources *r);

#endif
