# i13-54: which timer keeps cpu2's tick device armed (next_event ~57 s) after a failed
# offline whose rollback leaves cpu2 at 141 (smpboot/threads:online), and whether its tick stops.
# Same operations as k5.4-hv-direct-failprep (fail@2=smpcfd:prepare, off@2), with timer events.
V=2
T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T 2>/dev/null || T=/sys/kernel/debug/tracing
dmesg -n 1
echo 8192 > $T/buffer_size_kb
for e in timer_start timer_expire_entry timer_cancel hrtimer_start hrtimer_expire_entry hrtimer_cancel tick_stop; do
	echo 1 > $T/events/timer/$e/enable && echo "event + $e" || echo "event - $e"
done
echo 1 > $T/events/cpuhp/enable
snap "boot"
S=$(grep -F ': smpcfd:prepare' $CPUSYS/hotplug/states | head -1 | cut -d: -f1 | tr -d ' ')
echo "smpcfd:prepare=$S"
: > $T/trace
echo 1 > $T/tracing_on
hdr "fail@2=$S, off@2 (traced)"
echo $S > $CPUSYS/cpu$V/hotplug/fail
echo 0 > $CPUSYS/cpu$V/online; echo "rc=$?"
echo -1 > $CPUSYS/cpu$V/hotplug/fail; echo "reset rc=$?"
sleep 2
echo 0 > $T/tracing_on
snap "after"
hdr "TIMER_LIST after (uptime_cs=$(uptime_cs))"
cat /proc/timer_list
hdr "trace cpu$V buffer"
cat $T/per_cpu/cpu$V/trace | grep -v '^#'
hdr "trace: timer_start with cpu=$V (any CPU's buffer)"
grep -E 'timer_start:.* cpu=2 ' $T/trace
hdr "trace: cpuhp"
grep cpuhp_ $T/trace
hdr "dmesg"
dmesg | tail -20
