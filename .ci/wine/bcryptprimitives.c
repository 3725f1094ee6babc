/* Test-only shim for Wine < 9: Go >= 1.22 needs bcryptprimitives.dll!ProcessPrng,
 * which Debian 12's Wine 8.0 lacks. Real Windows 10+ ships it; never ship this DLL. */
#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len); /* advapi32 RtlGenRandom */
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, n)) return FALSE;
        data += n; len -= n;
    }
    return TRUE;
}
