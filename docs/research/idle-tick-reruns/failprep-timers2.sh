# i13-54: boot-time timer events (kernel command line), then fail@2=smpcfd:prepare + off@2;
# prints every event of each timer ever queued on cpu2 (timer_start ... cpu=2), cpu2's tick_stop
# events and the cpuhp steps, so that the timers pending on cpu2 at its teardown can be listed.
V=2
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T 2>/dev/null || T=/sys/kernel/debug/tracing
dmesg -n 1
echo "events: $(cat $T/set_event | tr '\n' ' ')"
snap "boot"
S=$(grep -F ': smpcfd:prepare' $CPUSYS/hotplug/states | head -1 | cut -d: -f1 | tr -d ' ')
hdr "fail@2=$S, off@2 (traced) uptime_cs=$(uptime_cs)"
echo $S > $CPUSYS/cpu$V/hotplug/fail
echo 0 > $CPUSYS/cpu$V/online; echo "rc=$?"
echo -1 > $CPUSYS/cpu$V/hotplug/fail
sleep 2
echo 0 > $T/tracing_on
snap "after"
hdr "TIMER_LIST cpu2 (uptime_cs=$(uptime_cs))"
awk '/^now at/ {print} /^cpu: 2$/ {p=1} /^cpu: 3$/ {p=0} p && /tick_sched_timer|expires at|next_timer|idle_expires|tick_stopped|last_tick|idle_jiffies|last_jiffies|next_jiffies|^jiffies/ {print}' /proc/timer_list
cat $T/trace | grep -v '^#' > /tmp/tr.txt
echo "trace lines: $(wc -l < /tmp/tr.txt)  overrun: $(grep -h overrun $T/per_cpu/cpu*/stats | tr '\n' ' ')"
hdr "events of timers queued on cpu2"
awk '/timer_start:/ && / cpu=2 / { for (i = 1; i <= NF; i++) if ($i ~ /^timer=/) want[$i] = 1 }
     { lines[NR] = $0 } END { for (n = 1; n <= NR; n++) { l = lines[n]; split(l, f, " ");
       for (i = 1; i <= length(f); i++) if (f[i] ~ /^timer=/ && (f[i] in want)) { print l; break } } }' /tmp/tr.txt
hdr "cpu2 tick_stop and cpuhp of cpu 0002"
grep -E '\[002\].*tick_stop|cpuhp_.*cpu: 0002' /tmp/tr.txt
