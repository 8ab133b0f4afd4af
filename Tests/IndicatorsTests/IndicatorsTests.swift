import Foundation
import KioskCore
import KioskTestSupport
import Logging
import Synchronization
import Testing
@testable import Indicators

@Suite("Lamp patterns, chirps and frames (pure)")
struct PatternTests {
    @Test("slow blink is 1 Hz, fast blink 4 Hz, both starting lit")
    func blink() {
        #expect(LampPattern.slowBlink.isLit(after: .zero) && !LampPattern.slowBlink.isLit(after: .milliseconds(600)))
        #expect(LampPattern.slowBlink.isLit(after: .milliseconds(1100)))
        #expect(LampPattern.fastBlink.isLit(after: .milliseconds(100)) && !LampPattern.fastBlink.isLit(after: .milliseconds(150)))
        #expect(LampPattern.steady.isLit(after: .seconds(1000)) && !LampPattern.off.isLit(after: .zero))
    }

    @Test("a rejected scan chirps three times; accepted once")
    func chirps() {
        let samples = stride(from: 0, to: 500, by: 20).map { Chirp.rejected.isOn(after: .milliseconds($0)) }
        var edges = 0
        for i in 1..<samples.count where samples[i] && !samples[i - 1] { edges += 1 }
        #expect(samples[0] && edges == 2, "three separate tones")
        #expect(Chirp.accepted.isOn(after: .milliseconds(50)) && !Chirp.accepted.isOn(after: .milliseconds(90)))
    }

    @Test("the next change is the next blink edge, flash end or chirp switch; steady lamps never change")
    func nextChange() {
        let steady = LampMapping.standard.patterns(for: .repairing)
        #expect(IndicatorFrame.nextChange(patterns: steady, patternAge: .seconds(5), flash: nil, chirp: nil) == nil)
        let slow = LampMapping.standard.patterns(for: .waitingParts)
        #expect(IndicatorFrame.nextChange(patterns: slow, patternAge: .milliseconds(1200), flash: nil, chirp: nil) == .milliseconds(300))
        #expect(IndicatorFrame.nextChange(patterns: steady, patternAge: .zero,
                                          flash: (.green, .steady, .milliseconds(100), .milliseconds(300)), chirp: nil) == .milliseconds(200))
        #expect(IndicatorFrame.nextChange(patterns: steady, patternAge: .zero,
                                          flash: nil, chirp: (.rejected, .milliseconds(90))) == .milliseconds(70))
        #expect(IndicatorFrame.nextChange(patterns: steady, patternAge: .zero, flash: nil, chirp: (.accepted, .milliseconds(90))) == nil)
        // Sampling at every predicted change sees every edge a 1 ms sampler sees.
        var t = Duration.zero, predicted: [Duration] = []
        while t < .seconds(3) {
            guard let step = LampPattern.fastBlink.nextChange(after: t) else { break }
            t += step
            predicted.append(t)
        }
        let edges = (1..<3000).filter { LampPattern.fastBlink.isLit(after: .milliseconds($0)) != LampPattern.fastBlink.isLit(after: .milliseconds($0 - 1)) }
        #expect(predicted.filter { $0 < .seconds(3) }.map { Int($0.components.seconds * 1000 + $0.components.attoseconds / 1_000_000_000_000_000) } == edges)
    }

    @Test("every open job state has a pattern; a flash overrides its lamp for its length")
    func frames() {
        for state in JobState.allCases where state.isOpen { #expect(!LampMapping.standard.patterns(for: state).isEmpty, "\(state)") }
        let repairing = LampMapping.standard.patterns(for: .repairing)
        let plain = IndicatorFrame.compute(patterns: repairing, patternAge: .zero, flash: nil, chirp: nil)
        #expect(plain.lamps == [.red: false, .amber: false, .green: true, .blue: false] && !plain.buzzer)
        let flashed = IndicatorFrame.compute(patterns: repairing, patternAge: .zero,
                                             flash: (.red, .steady, .milliseconds(100), .milliseconds(600)), chirp: (.rejected, .zero))
        #expect(flashed.lamps[.red] == true && flashed.buzzer)
        let over = IndicatorFrame.compute(patterns: repairing, patternAge: .zero,
                                          flash: (.red, .steady, .milliseconds(700), .milliseconds(600)), chirp: nil)
        #expect(over.lamps[.red] == false)
    }
}

@Suite("Button debounce and long press (pure)")
struct DebounceTests {
    @Test("a bouncing press counts once")
    func bounce() {
        var d = ButtonDebouncer(debounce: .milliseconds(30), longPress: .milliseconds(1500))
        var presses: [ButtonDebouncer.Press] = []
        for (ms, level) in [(0, true), (3, false), (6, true), (9, false), (12, true)] {
            if let p = d.edge(pressed: level, at: .milliseconds(ms)) { presses.append(p) }
        }
        for ms in stride(from: 15, to: 200, by: 5) { if let p = d.tick(at: .milliseconds(ms)) { presses.append(p) } }
        for (ms, level) in [(200, false), (202, true), (204, false)] {
            if let p = d.edge(pressed: level, at: .milliseconds(ms)) { presses.append(p) }
        }
        for ms in stride(from: 205, to: 400, by: 5) { if let p = d.tick(at: .milliseconds(ms)) { presses.append(p) } }
        #expect(presses == [.short])
    }

    @Test("a glitch shorter than the debounce time is no press")
    func glitch() {
        var d = ButtonDebouncer()
        var presses: [ButtonDebouncer.Press] = []
        if let p = d.edge(pressed: true, at: .milliseconds(0)) { presses.append(p) }
        if let p = d.edge(pressed: false, at: .milliseconds(5)) { presses.append(p) }
        for ms in stride(from: 10, to: 300, by: 10) { if let p = d.tick(at: .milliseconds(ms)) { presses.append(p) } }
        #expect(presses.isEmpty)
    }

    @Test("a press read late, together with its release, still counts by the edges' own times")
    func lateRead() {
        var d = ButtonDebouncer(debounce: .milliseconds(30), longPress: .milliseconds(1500))
        var presses: [ButtonDebouncer.Press] = []
        // The reader was held up for 900 ms: both edges (at 0 and 200 ms) arrive at 900 ms.
        if let p = d.edge(pressed: true, at: .milliseconds(0)) { presses.append(p) }
        if let p = d.edge(pressed: false, at: .milliseconds(200)) { presses.append(p) }
        if let p = d.tick(at: .milliseconds(900)) { presses.append(p) }
        #expect(presses == [.short])
    }

    @Test("holding past the long-press time reports a long press once, while still held")
    func longPress() {
        var d = ButtonDebouncer(debounce: .milliseconds(30), longPress: .milliseconds(1500))
        var presses: [(ButtonDebouncer.Press, Int)] = []
        _ = d.edge(pressed: true, at: .zero)
        for ms in stride(from: 10, to: 2000, by: 10) { if let p = d.tick(at: .milliseconds(ms)) { presses.append((p, ms)) } }
        if let p = d.edge(pressed: false, at: .milliseconds(2000)) { presses.append((p, 2000)) }
        for ms in stride(from: 2010, to: 2100, by: 10) { if let p = d.tick(at: .milliseconds(ms)) { presses.append((p, ms)) } }
        #expect(presses.map(\.0) == [.long])
        #expect(presses.first!.1 == 1500)
    }
}

@Suite("Stack light and buttons on the simulated backend")
struct IndicatorServiceTests {
    let logger = Logger(label: "test")
    let lamps: [Lamp: LineRef] = [.red: .offset(0), .amber: .offset(1), .green: .offset(2), .blue: .offset(3)]

    /// Waits for a condition on another thread, at most two minutes of looking (the suite
    /// shares two cores with ~200 tests running in parallel, so a wake-up can come late).
    func waitUntil(_ what: String = "the condition", sourceLocation: SourceLocation = #_sourceLocation,
                   _ condition: () -> Bool) async throws {
        try await KioskTestSupport.waitUntil(what, timeout: .seconds(120), sourceLocation: sourceLocation, condition)
    }

    @Test("the lamps follow the job state, a scan flashes and chirps, and shutdown leaves the safe state")
    func stackLight() async throws {
        let gpio = SimulatedGPIO()
        let state = Mutex<JobState?>(.repairing)
        let signals = IndicatorSignals()
        let health = HealthBoard()
        let changes = StoreChanges()
        let service = StackLightService(
            config: StackLightConfig(chip: "gpiochip0", lamps: lamps, buzzer: .offset(4), safeLamps: [.red]),
            backend: gpio, signals: signals, health: health, logger: logger, stateChanges: changes
        ) { state.withLock { $0 } }
        let task = Task { try await service.run() }
        try await waitUntil("the repairing lamp to light") { gpio.value(offset: 2) == true }
        #expect(gpio.value(offset: 0) == false && gpio.value(offset: 3) == false)
        #expect(health.snapshot["gpio:gpiochip0"]?.isOK == true)
        state.withLock { $0 = .waitingParts }
        changes.publish([.workshop])
        try await waitUntil("the next state's lamps") { gpio.value(offset: 2) == false && gpio.history(offset: 0).filter(\.high).count >= 2 }
        #expect(gpio.history(offset: 0).filter(\.high).count >= 2, "red blinks for waiting parts")
        signals.send(.outcome(.accepted))
        try await waitUntil("the buzzer to chirp") { gpio.history(offset: 4).contains { $0.high } }
        task.cancel()
        try await task.value
        #expect(gpio.value(offset: 0) == true, "safe state: red on")
        #expect([1, 2, 3, 4].allSatisfy { gpio.value(offset: UInt32($0)) == false })
    }

    @Test("on a manual clock: a blink edge every 500 ms to the millisecond, a refusal's flash and chirps at their exact times, no timer for a steady lamp")
    func stackLightOnManualClock() async throws {
        let gpio = SimulatedGPIO()
        let state = Mutex<JobState?>(.waitingParts)
        let signals = IndicatorSignals()
        let changes = StoreChanges()
        let clock = ManualClock()
        let service = StackLightService(
            config: StackLightConfig(chip: "gpiochip0", lamps: lamps, buzzer: .offset(4), safeLamps: [.red]),
            backend: gpio, signals: signals, health: HealthBoard(), logger: logger, clock: clock, stateChanges: changes
        ) { state.withLock { $0 } }
        let task = Task { try await service.run() }
        let red: UInt32 = 0, green: UInt32 = 2, buzzer: UInt32 = 4

        // Waiting for parts: red blinks at 1 Hz, lit first, the next edge 500 ms on.
        try await clock.waitForSleepers(what: "the stack light's first blink edge")
        #expect(gpio.value(offset: red) == true)
        #expect(clock.pendingSleeps == [.milliseconds(500)])
        clock.advance(by: .milliseconds(499))
        #expect(clock.pendingSleeps == [.milliseconds(1)], "1 ms before the edge, nothing woke")
        #expect(gpio.value(offset: red) == true)
        var seen: [Bool] = []
        clock.advance(by: .milliseconds(1))
        for _ in 0..<8 {
            try await clock.waitForSleepers(what: "the stack light to wait for its next blink edge")
            #expect(clock.pendingSleeps == [.milliseconds(500)])
            seen.append(gpio.value(offset: red) == true)
            clock.advance(by: .milliseconds(500))
        }
        #expect(seen == [false, true, false, true, false, true, false, true])
        // The last edge handled, so that the state change below cancels a timer still asleep.
        try await clock.waitForSleepers(what: "the stack light to wait for the edge after the last")

        // Repairing: green steady, and nothing left to wake for.
        state.withLock { $0 = .repairing }
        changes.publish([.workshop])
        try await waitUntil("green steady with no timer") {
            gpio.value(offset: green) == true && gpio.value(offset: red) == false && clock.pendingSleeps.isEmpty
        }

        // A refused scan: red for 1.5 s and three 80 ms chirps 80 ms apart, each switch on time.
        signals.send(.outcome(.refused))
        #expect(gpio.value(offset: red) == true && gpio.value(offset: buzzer) == true,
                "the sender's own call wrote the flash and the first chirp: no task in between")
        try await waitUntil("the refusal's flash and first chirp") {
            gpio.value(offset: red) == true && gpio.value(offset: buzzer) == true && clock.pendingSleeps == [.milliseconds(80)]
        }
        var at = Duration.zero
        var steps: [(at: Duration, buzzer: Bool, red: Bool)] = []
        while let next = clock.pendingSleeps.first {
            clock.advance(by: next)
            at += next
            try await waitUntil("the stack light to settle \(at) after the refusal") {
                clock.pendingSleeps.count == 1 || (gpio.value(offset: red) == false && clock.pendingSleeps.isEmpty)
            }
            steps.append((at, gpio.value(offset: buzzer) == true, gpio.value(offset: red) == true))
        }
        #expect(steps.map(\.at) == [80, 160, 240, 320, 400, 1500].map { Duration.milliseconds($0) })
        #expect(steps.map(\.buzzer) == [false, true, false, true, false, false])
        #expect(steps.map(\.red) == [true, true, true, true, true, false])
        #expect(gpio.value(offset: green) == true, "the state's lamp stays under the flash")
        task.cancel()
        try await task.value
        #expect(gpio.value(offset: red) == true, "safe state: red on")
    }

    @Test("a missing chip or a busy line is a named fault; the service keeps retrying")
    func faults() async throws {
        let gpio = SimulatedGPIO(chips: ["gpiochip0": 16])
        gpio.hold(offset: 2, consumer: "other-program")
        let health = HealthBoard()
        let service = StackLightService(config: StackLightConfig(chip: "gpiochip0", lamps: lamps), backend: gpio, signals: IndicatorSignals(),
                                        health: health, logger: logger, retryInterval: .milliseconds(50)) { .repairing }
        let task = Task { try await service.run() }
        try await waitUntil("the busy line's fault") { health.faults["gpio:gpiochip0"] != nil }
        #expect(health.faults["gpio:gpiochip0"]?.contains("held by \"other-program\"") == true)
        task.cancel()
        try await task.value
        let missing = StackLightService(config: StackLightConfig(chip: "gpiochip9", lamps: lamps), backend: gpio, signals: IndicatorSignals(),
                                        health: health, logger: logger) { nil }
        let t2 = Task { try await missing.run() }
        try await waitUntil("the missing chip's fault") { health.faults["gpio:gpiochip9"] != nil }
        #expect(health.faults["gpio:gpiochip9"]?.contains("GPIO chip gpiochip9 not found") == true)
        t2.cancel()
        try await t2.value
    }

    @Test("a button press on the simulated chip arrives once, debounced")
    func buttons() async throws {
        let gpio = SimulatedGPIO()
        let presses = Mutex<[ButtonPress]>([])
        let health = HealthBoard()
        let service = ButtonService(config: ButtonConfig(chip: "gpiochip0", buttons: ["advance": .offset(8), "help": .offset(9)], debounce: .milliseconds(20),
                                                          longPress: .seconds(600)),
                                    backend: gpio, health: health, logger: logger) { press in presses.withLock { $0.append(press) } }
        let task = Task { try await service.run() }
        try await waitUntil("the button lines to be requested") { health.snapshot["buttons:gpiochip0"]?.isOK == true }
        // A bouncing press held for 100 ms, stamped as the kernel stamps edges (just past).
        let t = monotonicNow() - .milliseconds(300)
        gpio.drive([(8, true, t), (8, false, t + .milliseconds(2)), (8, true, t + .milliseconds(4)), (8, false, t + .milliseconds(104))])
        try await waitUntil("the press") { !presses.withLock { $0 }.isEmpty }
        task.cancel()
        try await task.value
        #expect(presses.withLock { $0 } == [ButtonPress(button: "advance", kind: .short)])
    }
}
