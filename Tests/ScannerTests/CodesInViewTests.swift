import Testing
@testable import Scanner

/// A camera's view of the counter: what counts as a code shown, held, taken away and shown
/// again, frame by frame.
@Suite struct CodesInViewTests {
    @Test func aCodeHeldInViewIsOneScanHoweverSlowlyItsFramesAreRead() {
        var view = CodesInView(window: .seconds(2))
        #expect(view.frame(["P1"], capturedAt: .seconds(0)) == ["P1"])
        // A turned label on a slow board: each frame takes longer than the window to read.
        for second in stride(from: 3, through: 30, by: 3) {
            #expect(view.frame(["P1"], capturedAt: .seconds(second)) == [])
        }
        #expect(view.inView == ["P1"])
    }

    @Test func oneGlareFrameBetweenTwoSlowReadsDoesNotCountItAgain() {
        var view = CodesInView(window: .seconds(2))
        _ = view.frame(["P1"], capturedAt: .seconds(0))
        #expect(view.frame([], capturedAt: .milliseconds(2_500)) == [])
        #expect(view.frame(["P1"], capturedAt: .seconds(5)) == [], "missed by one frame only")
        // Two slow frames without it, the second a window after it was last seen: gone.
        #expect(view.frame([], capturedAt: .milliseconds(7_500)) == [])
        #expect(view.frame([], capturedAt: .seconds(10)) == [])
        #expect(view.frame(["P1"], capturedAt: .milliseconds(12_500)) == ["P1"])
    }

    @Test func aCodeTakenAwayForTheWindowCountsAgain() {
        // 30 frames a second: the second box of the same part, shown 2.5 s after the first.
        var view = CodesInView(window: .seconds(2))
        #expect(view.frame(["P1"], capturedAt: .zero) == ["P1"])
        var counted: [String] = []
        for frame in 1...75 { counted += view.frame([], capturedAt: .milliseconds(frame * 33)) }
        counted += view.frame(["P1"], capturedAt: .milliseconds(2_500))
        #expect(counted == ["P1"])
    }

    @Test func aCodeUnseenForLessThanTheWindowIsTheSameShowing() {
        // A hand moves across the label for a second: many frames without it, but not the window.
        var view = CodesInView(window: .seconds(2))
        _ = view.frame(["P1"], capturedAt: .zero)
        for frame in 1...30 { #expect(view.frame([], capturedAt: .milliseconds(frame * 33)) == []) }
        #expect(view.frame(["P1"], capturedAt: .seconds(1)) == [])
        #expect(view.frame(["P1"], capturedAt: .seconds(60)) == [], "held for a minute: still one scan")
    }

    @Test func twoCodesInViewAreEachOneScanAndASwapCountsTheNewOne() {
        var view = CodesInView(window: .seconds(2))
        #expect(view.frame(["BIN", "P1"], capturedAt: .seconds(0)) == ["BIN", "P1"])
        #expect(view.frame(["P1", "BIN"], capturedAt: .seconds(1)) == [])
        // The clerk swaps the part for another, with no empty frame between.
        #expect(view.frame(["BIN", "P2"], capturedAt: .seconds(2)) == ["P2"])
        #expect(view.frame(["BIN", "P1"], capturedAt: .milliseconds(2_500)) == [], "P1 last seen 1.5 s ago: the same showing")
        #expect(view.frame(["BIN", "P2"], capturedAt: .seconds(3)) == [])
        #expect(view.frame(["BIN", "P2"], capturedAt: .milliseconds(4_600)) == [])
        #expect(view.frame(["BIN", "P1"], capturedAt: .seconds(5)) == ["P1"], "missed twice and unseen for 2.5 s")
        #expect(view.inView == ["BIN", "P1", "P2"])
    }

    @Test func aCodeStaysInViewWhileNoFrameIsRead() {
        // The camera is away (unplugged, reopening): no frame says the part has gone.
        var view = CodesInView(window: .seconds(2))
        _ = view.frame(["P1"], capturedAt: .zero)
        #expect(view.frame(["P1"], capturedAt: .seconds(120)) == [])
    }

    @Test func framesThatCountNoMissesKeepACodeInView() {
        // The camera reconnects after 10 s with the part still there; its first frames are dark.
        var view = CodesInView(window: .seconds(2))
        _ = view.frame(["P1"], capturedAt: .zero)
        #expect(view.frame([], capturedAt: .seconds(10), countsMisses: false) == [])
        #expect(view.frame([], capturedAt: .milliseconds(10_500), countsMisses: false) == [])
        #expect(view.frame(["P1"], capturedAt: .seconds(11)) == [])
        #expect(view.inView == ["P1"])
    }

    @Test func aZeroWindowCountsACodeAgainAfterTwoFramesWithoutIt() {
        var view = CodesInView(window: .zero)
        #expect(view.frame(["1"], capturedAt: .seconds(0)) == ["1"])
        #expect(view.frame(["1"], capturedAt: .seconds(1)) == [])
        #expect(view.frame([], capturedAt: .seconds(2)) == [])
        #expect(view.frame(["1"], capturedAt: .seconds(3)) == [], "one frame without it")
        #expect(view.frame([], capturedAt: .seconds(4)) == [])
        #expect(view.frame([], capturedAt: .seconds(5)) == [])
        #expect(view.frame(["1"], capturedAt: .seconds(6)) == ["1"])
    }
}
