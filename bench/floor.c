/* The physical floor for "spawn -> handshake line": a process that does nothing but
 * print a go-plugin handshake line (same shape and length class as a real provider's,
 * with a certificate-sized last field) and wait until it is killed or stdin closes.
 * No TLS, no socket, no runtime, and (built with -static by scripts/bench.sh) no dynamic
 * loader: anything a real provider takes beyond this is its own. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char cert[800];
    memset(cert, 'A', sizeof cert - 1);
    cert[sizeof cert - 1] = '\0';
    printf("1|6|unix|/tmp/plugin-floor|grpc|%s\n", cert);
    fflush(stdout);
    for (;;) pause();
}
