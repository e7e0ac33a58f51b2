/* libFuzzer target for the config.json parser.  The same bytes are also fed
 * to the process.json and resources parsers, which share the walker.  Built
 * with clang by tests/fuzz/run.sh, and with replay.c by `make fuzz-replay`. */
#include <stddef.h>
#include <stdint.h>

#include "runtime/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rt_spec *s = NULL;
	struct rt_process p;
	struct rt_resources r;
	struct rt_err err;

	if (rt_spec_parse((const char *)data, size, "config.json", &s, &err) >= 0)
		rt_spec_free(s);
	if (rt_process_parse((const char *)data, size, "process.json", &p, &err) >= 0)
		rt_process_clear(&p);
	if (rt_resources_parse((const char *)data, size, "resources.json", &r, &err) >= 0)
		rt_resources_clear(&r);
	return 0;
}
