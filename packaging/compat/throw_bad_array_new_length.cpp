// The one libstdc++ function the Swift 6.3 runtime's static archives call that GCC 10's
// libstdc++ (Debian 11, the root `make release` links against) does not have: it arrived in
// GCC 11 as GLIBCXX_3.4.29. Defined here, inside the binaries, they need no GLIBCXX_3.4.29 at all
// and run with GCC 10's libstdc++ as well as with Rocky 9's GCC 11 one. Same behaviour as
// libstdc++'s own (libstdc++-v3/src/c++11/functexcept.cc): throw std::bad_array_new_length.
#include <new>

namespace std {
[[noreturn]] void __throw_bad_array_new_length() { throw bad_array_new_length(); }
}
