// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <libpq-fe.h>

// libpq, loaded on first use. The PostgreSQL backend is one option of the
// audit log, but linking libpq makes every zkinfer process map it and its
// ~20 dependencies (Kerberos, LDAP, GnuTLS, ...) at start-up: about 6 ms,
// a tenth of a small model's verification. Only the functions the store
// calls are resolved; the header still gives their types.
namespace zkinfer::audit {

struct Libpq {
#define ZKINFER_LIBPQ_FUNCTION(name) decltype(&::name) name = nullptr;
#include "audit/libpq_functions.inc"
#undef ZKINFER_LIBPQ_FUNCTION
};

// The loaded library's functions. Throws Error naming the library if it
// cannot be loaded or lacks a function (thread-safe; loads once).
const Libpq& libpq();

}  // namespace zkinfer::audit
