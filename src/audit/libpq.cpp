// SPDX-License-Identifier: Apache-2.0
#include "audit/libpq.hpp"

#include <dlfcn.h>

#include <string>
#include <type_traits>

#include "base/error.hpp"

namespace zkinfer::audit {
namespace {

// The run-time name of the libpq ABI the header describes (major version 5
// since PostgreSQL 8.0; Debian's libpq5 package).
constexpr const char* kLibpqSoname = "libpq.so.5";

Libpq load() {
  void* handle = dlopen(kLibpqSoname, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    fail(std::string("PostgreSQL audit log: cannot load ") + kLibpqSoname +
         " (install libpq5): " + (why != nullptr ? why : "unknown error"));
  }
  // Never closed: the functions stay in use until the process exits.
  Libpq api;
  const auto resolve = [handle](auto& function, const char* name) {
    void* symbol = dlsym(handle, name);
    if (symbol == nullptr) {
      fail(std::string("PostgreSQL audit log: ") + kLibpqSoname + " has no function " + name);
    }
    function = reinterpret_cast<std::remove_reference_t<decltype(function)>>(symbol);
  };
#define ZKINFER_LIBPQ_FUNCTION(name) resolve(api.name, #name);
#include "audit/libpq_functions.inc"
#undef ZKINFER_LIBPQ_FUNCTION
  return api;
}

}  // namespace

const Libpq& libpq() {
  static const Libpq api = load();
  return api;
}

}  // namespace zkinfer::audit
