// mbrtowc for the binary, ahead of the C library's: libarchive 3.6.2's tar reader converts the
// name of every regular member to wide characters (to look for a trailing '/'), one mbrtowc
// call a byte, each through glibc's gconv steps: 114M of the reading thread's 717M instructions
// on rootfs.tar. A byte below 0x80 in the initial shift state is that character in every locale
// glibc has (all are ASCII-compatible); anything else goes to the C library's own.
#include <dlfcn.h>

#include <cerrno>
#include <cwchar>

namespace {

using Mbrtowc = size_t (*)(wchar_t*, const char*, size_t, mbstate_t*);

Mbrtowc LibcMbrtowc() {
  static const Mbrtowc libc = reinterpret_cast<Mbrtowc>(dlsym(RTLD_NEXT, "mbrtowc"));
  return libc;
}

// Apart from the ASCII path: inlined, its registers were saved on every call (15 of ~37
// instructions a byte).
[[gnu::noinline]] size_t OtherMbrtowc(wchar_t* pwc, const char* s, size_t n, mbstate_t* ps) {
  Mbrtowc libc = LibcMbrtowc();
  if (!libc) {  // no C library behind the binary's: cannot be, but never call through null
    errno = EILSEQ;
    return static_cast<size_t>(-1);
  }
  return libc(pwc, s, n, ps);
}

}  // namespace

extern "C" size_t mbrtowc(wchar_t* pwc, const char* s, size_t n, mbstate_t* ps) noexcept {
  // ps->__count: glibc's mbsinit, inline (a call a byte was a third of this function's cost).
  if (s && n > 0 && ps && ps->__count == 0 && static_cast<unsigned char>(*s) < 0x80) {
    if (pwc) *pwc = static_cast<unsigned char>(*s);
    return *s != '\0' ? 1 : 0;
  }
  return OtherMbrtowc(pwc, s, n, ps);
}
