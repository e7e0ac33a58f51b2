/* libseccomp's API.  The build puts runtime/ on the include path, where
 * runtime/seccomp.h (capsa's seccomp module) shadows libseccomp's <seccomp.h>.
 * Include this header as <seccomp-lib.h> (angle brackets, so it is found on
 * the include path) and it hands on to the libseccomp header behind it. */
#ifndef CAPSA_RUNTIME_SECCOMP_LIB_H
#define CAPSA_RUNTIME_SECCOMP_LIB_H

#include_next <seccomp.h>

#endif
