import Foundation
import KioskCore
import Logging
import ServiceLifecycle

/// The push buttons of a bay (按钮), e.g. `advance` (next state) and `help` (call for help).
public struct ButtonConfig: Sendable, Hashable {
    public var chip: String
    /// Button name → line.
    public var buttons: [String: LineRef]
    /// Buttons wired to ground with a pull-up read 0 when pressed.
    public var activeLow: Bool
    public var debounce: Duration
    public var longPress: Duration
    public var consumer: String

    public init(chip: String, buttons: [String: LineRef], activeLow: Bool = false, debounce: Duration = .milliseconds(30),
                longPress: Duration = .milliseconds(1500), consumer: String = "kioskd") {
        self.chip = chip
        self.buttons = buttons
        self.activeLow = activeLow
        self.debounce = debounce
        self.longPress = longPress
        self.consumer = consumer
    }
}

/// One debounced press of a named button.
public struct ButtonPress: Sendable, Hashable {
    public var button: String
    public var kind: ButtonDebouncer.Press
}

/// Reads the bay's buttons through edge events (on a thread of its own) and hands each
/// debounced press to `onPress`. Faults are reported by name and retried.
public struct ButtonService: Service {
    public let config: ButtonConfig
    let backend: any GPIOBackend
    let health: HealthBoard
    let logger: Logger
    let onPress: @Sendable (ButtonPress) async -> Void
    let retryInterval: Duration

    public init(config: ButtonConfig, backend: any GPIOBackend, health: HealthBoard, logger: Logger,
                retryInterval: Duration = .seconds(2), onPress: @escaping @Sendable (ButtonPress) async -> Void) {
        self.config = config
        self.backend = backend
        self.health = health
        self.logger = logger
        self.retryInterval = retryInterval
        self.onPress = onPress
    }

    public func run() async throws {
        let (stream, continuation) = AsyncStream<ButtonPress>.makeStream()
        let names = config.buttons.keys.sorted()
        let config = config, backend = backend, health = health, logger = logger, retry = retryInterval
        let component = "buttons:\(config.chip)"
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await runOnDedicatedThread(name: "buttons") { flag in
                        while !flag.isStopped {
                            let inputs: any InputLines
                            do {
                                inputs = try backend.requestInputs(chip: config.chip, lines: names.map { config.buttons[$0]! },
                                                                   consumer: config.consumer, activeLow: config.activeLow)
                                health.set(component, .ok("buttons \(names.joined(separator: ", ")) on \(config.chip)"))
                            } catch {
                                health.set(component, .degraded("\(error)"))
                                logger.warning("\(error)")
                                flag.sleep(for: retry)
                                continue
                            }
                            var debouncers = names.map { _ in ButtonDebouncer(debounce: config.debounce, longPress: config.longPress) }
                            while !flag.isStopped {
                                let edges: [LineEdge]
                                // Ticks only while a button is between edges or held toward its long
                                // press; a button at rest waits for its next edge or the stop.
                                let ticking = debouncers.contains { $0.needsTicks }
                                do { edges = try inputs.waitForEdges(timeout: ticking ? .milliseconds(10) : nil, stop: flag) } catch {
                                    health.set(component, .degraded("\(error)"))
                                    logger.error("\(error)")
                                    break
                                }
                                let now = monotonicNow()
                                for edge in edges {
                                    if let press = debouncers[edge.index].edge(pressed: edge.active, at: min(edge.at, now)) {
                                        continuation.yield(ButtonPress(button: names[edge.index], kind: press))
                                    }
                                }
                                for i in debouncers.indices {
                                    if let press = debouncers[i].tick(at: now) { continuation.yield(ButtonPress(button: names[i], kind: press)) }
                                }
                            }
                            inputs.release()
                        }
                    }
                    continuation.finish()
                }
                for await press in stream { await onPress(press) }
            }
        }
    }
}
