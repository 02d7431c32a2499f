// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <stdexcept>
#include <string>

namespace zkinfer {

// The one error type of the project. Every rejection of untrusted input (a
// malformed proof, a value out of range, a wrong key) is an Error whose
// message names what was wrong; callers at the boundary print it and exit
// non-zero. Programming errors (broken invariants) are not Errors: they abort.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] inline void fail(const std::string& what) {
  throw Error(what);
}

inline void require(bool condition, const char* what) {
  if (!condition) fail(what);
}

}  // namespace zkinfer
