import Testing
@testable import Scanner

/// A camera's view of the counter: what counts as a code shown, held, taken away and shown
/// again, frame by frame.
@Suite struct CodesInViewTests {
    @Test func aCodeHeldInViewIsOneScanHoweverSlowlyItsFramesAreRead() {
        var view = CodesInView(window: .seconds(2))
        #expect(view.frame(["P1"], at: .seconds(0), readInFull: true) == ["P1"])
        // A turned label on a slow board: each frame takes longer than the window to read.
        for second in stride(from: 3, through: 30, by: 3) {
            #expect(view.frame(["P1"], at: .seconds(second), readInFull: true) == [])
        }
        #expect(view.inView == ["P1"])
    }

    @Test func aCodeTakenAwayForTheWindowCountsAgain() {
        var view = CodesInView(window: .seconds(2))
        #expect(view.frame(["P1"], at: .seconds(0), readInFull: true) == ["P1"])
        #expect(view.frame([], at: .milliseconds(500), readInFull: true) == [])
        #expect(view.frame([], at: .milliseconds(2_600), readInFull: true) == [])
        #expect(view.frame(["P1"], at: .seconds(3), readInFull: true) == ["P1"])
    }

    @Test func oneFrameWithoutTheCodeInsideTheWindowDoesNotCountItAgain() {
        // A hand moves and one frame is blurred; the code is back in the next.
        var view = CodesInView(window: .seconds(2))
        _ = view.frame(["P1"], at: .seconds(0), readInFull: true)
        #expect(view.frame([], at: .milliseconds(100), readInFull: true) == [])
        #expect(view.frame(["P1"], at: .milliseconds(200), readInFull: true) == [])
        #expect(view.frame(["P1"], at: .seconds(5), readInFull: true) == [], "seen at 200 ms, never missed since")
    }

    @Test func framesCutShortAreNoEvidenceThatTheCodeIsGone() {
        var view = CodesInView(window: .seconds(2))
        _ = view.frame(["P1"], at: .seconds(0), readInFull: true)
        #expect(view.frame([], at: .seconds(3), readInFull: false) == [])
        #expect(view.frame(["P1"], at: .seconds(6), readInFull: true) == [])
        #expect(view.frame([], at: .seconds(7), readInFull: true) == [])
        #expect(view.frame(["P1"], at: .seconds(9), readInFull: true) == ["P1"])
    }

    @Test func twoCodesInViewAreEachOneScanAndAnotherCodeShownIsEvidenceTheFirstIsGone() {
        var view = CodesInView(window: .seconds(2))
        #expect(view.frame(["BIN", "P1"], at: .seconds(0), readInFull: true) == ["BIN", "P1"])
        #expect(view.frame(["P1", "BIN"], at: .seconds(1), readInFull: true) == [])
        // The clerk swaps the part for another, with no empty frame between.
        #expect(view.frame(["BIN", "P2"], at: .seconds(2), readInFull: true) == ["P2"])
        #expect(view.frame(["BIN", "P1"], at: .milliseconds(2_500), readInFull: true) == [], "P1 last seen 1.5 s ago: the same showing")
        #expect(view.frame(["BIN", "P2"], at: .seconds(3), readInFull: true) == [])
        #expect(view.frame(["BIN", "P1"], at: .seconds(5), readInFull: true) == ["P1"], "missed at 3 s, unseen for 2.5 s")
        #expect(view.inView == ["BIN", "P1"], "P2 missed at 5 s and unseen for the window")
    }

    @Test func aCodeNeverSeenMissingIsForgottenAfterAMinute() {
        var view = CodesInView(window: .seconds(2))
        _ = view.frame(["P1"], at: .seconds(0), readInFull: true)
        _ = view.frame([], at: .seconds(30), readInFull: false)
        #expect(view.frame(["P1"], at: .seconds(61), readInFull: false) == ["P1"])
    }

    @Test func aZeroWindowCountsACodeAgainAfterOneFrameWithoutIt() {
        var view = CodesInView(window: .zero)
        #expect(view.frame(["1"], at: .seconds(0), readInFull: true) == ["1"])
        #expect(view.frame(["1"], at: .seconds(1), readInFull: true) == [])
        #expect(view.frame([], at: .seconds(2), readInFull: true) == [])
        #expect(view.frame(["1"], at: .seconds(3), readInFull: true) == ["1"])
    }
}
