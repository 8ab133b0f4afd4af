import Foundation
import Indicators
import KioskCore
import Logging
import ServiceLifecycle

/// The GPIO services of a bay: the stack light showing the bay's job, and the buttons
/// (advance: next state, a long press calls for help; parts: call for parts; help: call for
/// help; acknowledge: silence the buzzer and the help flash).
enum BayHardware {
    /// The services for the GPIO config; without a bay, the stack light is the counter's
    /// (idle pattern, each scan's outcome flashed over it) and there are no buttons.
    static func services(gpio: KioskConfig.GPIOConfig, bay: String?, database: KioskDatabase, signals: IndicatorSignals,
                         health: HealthBoard, logger: Logger) -> [any Service] {
        let backend: any GPIOBackend = gpio.backend == "simulated"
            ? SimulatedGPIO(chips: [gpio.stackLight.chip: 64]) : LibgpiodBackend()
        let workshop = database.workshop
        guard let bay else {
            return [StackLightService(config: gpio.stackLight, backend: backend, signals: signals, health: health, logger: logger) { nil }]
        }
        var services: [any Service] = [
            StackLightService(config: gpio.stackLight, backend: backend, signals: signals, health: health, logger: logger,
                              stateChanges: database.changes) {
                try? await workshop.currentJobState(atBay: bay)
            },
        ]
        if let buttons = gpio.buttons {
            services.append(ButtonService(config: buttons, backend: backend, health: health, logger: logger) { press in
                await handle(press, bay: bay, workshop: workshop, database: database, signals: signals, logger: logger)
            })
        }
        return services
    }

    /// Applies a press through the core's rules (``Workshop/press(_:kind:bay:at:)``) and shows
    /// what it came to: green for a move or a call, the help flash for help, red and the
    /// rejected chirp for a refusal or a press that could not be committed (with the reason in
    /// the log; the bay page shows the recorded press).
    static func handle(_ press: ButtonPress, bay: String, workshop: Workshop, database: KioskDatabase, signals: IndicatorSignals,
                       logger: Logger) async {
        let kind: BayPressKind = press.kind == .long ? .long : .short
        do {
            let recorded = try await database.perform(.write) { try workshop.press(press.button, kind: kind, bay: bay) }
            guard recorded.accepted else {
                signals.send(.outcome(.refused))
                logger.warning("按钮 button \(press.button): \(recorded.message)", metadata: ["bay": "\(bay)"])
                return
            }
            switch recorded.effect {
            case .acknowledged: signals.send(.acknowledge)
            case .helpCalled: signals.send(.callForHelp)
            case .moved, .partsCalled, .refused: signals.send(.outcome(.accepted))
            }
            logger.info("按钮 button \(press.button): \(recorded.message)", metadata: ["bay": "\(bay)"])
        } catch {
            signals.send(.outcome(.refused))
            logger.error("按钮 button \(press.button) 未能记录 / could not be recorded: \(error)", metadata: ["bay": "\(bay)"])
        }
    }
}
