// openread DIR N: open, fstat, read to the end and close DIR/000000.json ..
// DIR/(N-1).json, twice; prints microseconds per file of the second pass.
// Built by hand (docs/PERFORMANCE.md, issue 16): gcc -O2 -o openread openread.c
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char** argv) {
  if (argc != 3) { fprintf(stderr, "usage: openread DIR N\n"); return 2; }
  int n = atoi(argv[2]); char path[4096], buf[65536]; double s = 0;
  for (int pass = 0; pass < 2; ++pass) {
    if (pass == 1) s = now();
    for (int i = 0; i < n; ++i) {
      snprintf(path, sizeof path, "%s/%06d.json", argv[1], i);
      int fd = open(path, O_RDONLY); if (fd < 0) { perror(path); return 1; }
      struct stat st; fstat(fd, &st);
      while (read(fd, buf, sizeof buf) > 0) {}
      close(fd);
    }
  }
  printf("%.1f\n", (now() - s) / n * 1e6);
  return 0;
}
