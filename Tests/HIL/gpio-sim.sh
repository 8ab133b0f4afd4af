# Sourced inside the VM by the scenarios, the power-cut guest and the benchmarks: a gpio-sim
# chip made through configfs (the out-of-tree module from Tests/HIL/build-gpio-sim).
#   gpio_sim NAME LABEL LINES    sets $sim to the chip's sysfs folder (sim_gpioN/value, /pull)
gpio_sim() {
  modprobe configfs
  insmod $PWD/.build-hil/gpio-sim/gpio-sim-oot.ko
  mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config
  mkdir -p /sys/kernel/config/gpio-sim/$1/bank0
  echo $3 > /sys/kernel/config/gpio-sim/$1/bank0/num_lines
  echo $2 > /sys/kernel/config/gpio-sim/$1/bank0/label
  echo 1 > /sys/kernel/config/gpio-sim/$1/live
  sim=$(ls -d /sys/devices/platform/gpio-sim.*/gpiochip* | head -1)
}
