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
            StackLightService(config: gpio.stackLight, backend: backend, signals: signals, health: health, logger: logger) {
                try? workshop.currentJob(atBay: bay)?.state
            },
        ]
        if let buttons = gpio.buttons {
            services.append(ButtonService(config: buttons, backend: backend, health: health, logger: logger) { press in
                handle(press, bay: bay, workshop: workshop, signals: signals, logger: logger)
            })
        }
        return services
    }

    static func handle(_ press: ButtonPress, bay: String, workshop: Workshop, signals: IndicatorSignals, logger: Logger) {
        let job = try? workshop.currentJob(atBay: bay)
        switch (press.button, press.kind) {
        case ("advance", .short):
            guard let job else {
                signals.send(.outcome(.refused))
                logger.warning("\(WorkshopError.noJobAtBay(bay).description)")
                return
            }
            do {
                let moved = try workshop.advance(job.ticketCode, actor: "bay:\(bay)", bay: bay)
                signals.send(.outcome(.accepted))
                logger.info("按钮 button: \(job.ticketCode) \(job.state.rawValue) → \(moved.state.rawValue)", metadata: ["bay": "\(bay)"])
            } catch {
                signals.send(.outcome(.refused))
                logger.warning("\(error)", metadata: ["bay": "\(bay)"])
            }
        case ("parts", _):
            guard let job else {
                signals.send(.outcome(.refused))
                return
            }
            // The counter sees the bay waiting for parts; issuing parts to the job clears it.
            _ = try? workshop.requestParts(job.ticketCode, bay: bay, parts: [])
            signals.send(.outcome(.accepted))
            logger.info("工位呼叫配件 bay \(bay) calls for parts", metadata: ["ticket": "\(job.ticketCode)"])
        case ("acknowledge", _):
            signals.send(.acknowledge)
            logger.info("工位确认 bay \(bay) acknowledged")
        default:
            signals.send(.callForHelp)
            if let job { try? workshop.callForHelp(job.ticketCode) }
            logger.warning("工位呼叫 bay \(bay) calls for help", metadata: ["ticket": "\(job?.ticketCode ?? "-")"])
        }
    }
}
