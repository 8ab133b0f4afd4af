import Foundation
import KioskTestSupport
import Testing

@Suite("The tests' bounded waits")
struct WaitBudgetTests {
    @Test("a wait is charged for its own looks, not for the time the pool kept it from looking, and still ends")
    func starvedWaitIsNotCharged() {
        var budget = WaitBudget(timeout: .milliseconds(300), step: .milliseconds(100))
        usleep(500_000)   // the thread held up for longer than the whole timeout, as a busy pool does
        let going = budget.look()
        #expect(going, "one look is charged at most one step")
        #expect(budget.spent <= .milliseconds(100))
        var looks = 0
        while budget.look() { looks += 1; usleep(20_000) }
        #expect(budget.spent >= .milliseconds(300), "looking that finds nothing runs the budget out: \(budget.account)")
        // Each look is charged at most one step (100 ms of the 300 ms), however slowly the loaded
        // machine runs the loop: at least two more looks after the first, whatever the load
        // (counting on ten, one per 20 ms nap, failed with the machine busy).
        #expect(looks >= 2, "\(looks) looks: \(budget.account)")
    }
}
