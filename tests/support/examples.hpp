// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <string>

namespace zkinfer::testing {

// A file of the committed example models and data (examples/), by its path
// inside that folder, from the source tree the test was built from.
inline std::string example_path(const std::string& name) {
  return (std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "examples" / name).string();
}

}  // namespace zkinfer::testing
