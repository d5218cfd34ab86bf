#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Co-simulation with cwsim --step: a plant model at 1 kHz against a 1 kHz
hrtimer control loop on a simulated machine, in lockstep.

The plant (a first-order thermal system) is integrated here in 1 ms steps;
after each step cwsim runs the machine 1 ms further and answers with the
expiries of the control timer ("ctl", armed on CPU 1 every 1 ms). At each
expiry the controller (PI) samples the plant as it was at that virtual
instant and sets the heater power. The answers carry when each expiry ran
(at_ns) and when it was due (expires_ns): the difference is the machine's
timer latency, which the controller sees as a sampling delay.

    python3 plant.py --cwsim build/tools/cwsim/cwsim [--seconds 2]

Exit status 0 when the loop settled within 1 % of its set point and every
period had its expiry; it prints the figures either way.
"""
import argparse
import json
import subprocess
import sys

PERIOD_NS = 1_000_000
SETPOINT = 60.0  # degrees
AMBIENT = 20.0
TAU_S = 0.2      # plant time constant
GAIN = 50.0      # degrees per unit of heater power at steady state
KP, KI = 0.05, 2.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cwsim", required=True)
    ap.add_argument("--machine", default="x86-tsc-hpet")
    ap.add_argument("--seconds", type=float, default=2.0)
    args = ap.parse_args()
    steps = int(args.seconds * 1e9) // PERIOD_NS
    proc = subprocess.Popen(
        [args.cwsim, "--step", "--machine", args.machine, "--workload", "none",
         "--quiet", "--duration", "%ds" % (int(args.seconds) + 1)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        text=True)

    def ask(cmd):
        proc.stdin.write(json.dumps(cmd) + "\n")
        proc.stdin.flush()
        answer = json.loads(proc.stdout.readline())
        if not answer["ok"]:
            raise SystemExit("cwsim refused %s: %s" % (cmd, answer.get("error")))
        return answer

    ask({"cmd": "arm", "name": "ctl", "cpu": 1, "in_ns": PERIOD_NS,
         "period_ns": PERIOD_NS})
    y, u, integral = AMBIENT, 0.0, 0.0
    expiries, worst_late_ns = 0, 0
    dt = PERIOD_NS / 1e9
    for _ in range(steps):
        # The plant over the next millisecond, with the power the controller set.
        y += dt * (-(y - AMBIENT) + GAIN * u) / TAU_S
        # The machine over the same millisecond: the controller's expiries.
        for f in ask({"cmd": "advance", "by_ns": PERIOD_NS})["fired"]:
            expiries += 1
            worst_late_ns = max(worst_late_ns, f["at_ns"] - f["expires_ns"])
            error = SETPOINT - y
            integral += error * dt
            u = min(max(KP * error + KI * integral, 0.0), 2.0)
    ask({"cmd": "quit"})
    proc.stdin.close()
    proc.wait(timeout=60)
    settled = abs(y - SETPOINT) <= 0.01 * SETPOINT
    print("plant %.3f degrees after %.1f s (set point %.1f), %d controller expiries "
          "for %d periods, worst timer latency %d ns"
          % (y, args.seconds, SETPOINT, expiries, steps, worst_late_ns))
    # The last expiry of the run may land a latency after the last step ended.
    ok = settled and steps - 1 <= expiries <= steps and proc.returncode == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
