/* Fuzz target: config.json -> rt_spec_parse -> rt_seccomp_compile.  Whatever
 * the parser accepts, the compiler must either produce a program within the
 * kernel's limits or fail with a message; never crash, leak or hang. */
#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "runtime/seccomp.h"
#include "runtime/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rt_spec *spec = NULL;
	struct rt_seccomp_prog *prog = NULL;
	struct rt_err err = { 0 };

	if (rt_spec_parse((const char *)data, size, "fuzz", &spec, &err) < 0)
		return 0;
	if (spec->has_linux && spec->linux_.seccomp.present) {
		if (rt_seccomp_compile(&spec->linux_.seccomp, &prog, &err) >= 0) {
			size_t len = rt_seccomp_prog_len(prog);

			if (len == 0 || len > BPF_MAXINSNS)
				abort();
			rt_seccomp_prog_free(prog);
		} else if (err.msg[0] == '\0') {
			abort(); /* every failure carries a message */
		}
	}
	rt_spec_free(spec);
	return 0;
}
