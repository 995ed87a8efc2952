/*
 * The C floor of `deno task bench`'s tick rate: the bare workload of a steady run of ticks at
 * 2048 CPUs, HZ=1000, as a C loop that batches the CPUs ticking at the same instant — per tick
 * what lib/time/tick_rounds.ts does per tick (tick count, hrtimer expiry, device next_event and
 * hardware expiry, /proc/interrupts count; jiffies on the timekeeping CPU once per instant).
 * Prints the median of five windows of 200 simulated ms, in tick events per second.
 * Built and run by tasks/bench.ts (gcc -O2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CPUS 2048
#define PERIOD 1000000LL

struct cpu { long long ticks, sched_expires; };
struct dev { long long next_event, hw_expires; int cpu; };

static struct cpu cpus[CPUS];
static struct dev devs[CPUS];
static long long irqs[CPUS];
static long long jiffies, last_update;

static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void run(long long t, long long rounds) {
  for (long long j = 0; j < rounds; j++, t += PERIOD) {
    long long delta = t - last_update;
    if (delta >= PERIOD) {
      long long ticks = delta / PERIOD;
      last_update += ticks * PERIOD;
      jiffies += ticks;
    }
    long long next = t + PERIOD;
    for (int i = 0; i < CPUS; i++) {
      struct dev *d = &devs[i];
      struct cpu *c = &cpus[d->cpu];
      c->ticks++;
      c->sched_expires = next;
      d->next_event = next;
      d->hw_expires = next;
      irqs[d->cpu]++;
    }
  }
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(void) {
  for (int i = 0; i < CPUS; i++) devs[i].cpu = i;
  long long t = PERIOD;
  run(t, 300);
  t += 300 * PERIOD;
  double rates[5];
  for (int w = 0; w < 5; w++) {
    double t0 = seconds();
    run(t, 200);
    t += 200 * PERIOD;
    rates[w] = CPUS * 200.0 / (seconds() - t0);
  }
  qsort(rates, 5, sizeof rates[0], cmp);
  /* Keeps the work observable, so the compiler cannot drop it. */
  long long sum = jiffies;
  for (int i = 0; i < CPUS; i++) sum += cpus[i].ticks + irqs[i] + devs[i].hw_expires;
  printf("%.0f %lld\n", rates[2], sum);
  return 0;
}
