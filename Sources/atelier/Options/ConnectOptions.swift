import ArgumentParser

/// How to reach a target over SWD, for the commands that open a debug probe.
struct ConnectOptions: ParsableArguments {
    @Flag(name: .customLong("connect-under-reset"), help: ArgumentHelp(
        "Hold NRST low while connecting (ST-Link): for firmware that disables SWD or sleeps at once."))
    var underReset = false
}
