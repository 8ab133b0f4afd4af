/// How far a long piece of work has come (an import, a backup, a restore, a balance check):
/// the core reports it, whoever runs the work shows it (a terminal's progress line, a log).
///
/// The core calls the handler as it goes, at most every few hundred items, and once at the
/// end with `done == total`. It never calls it from inside a store transaction in a way that
/// could block: a handler must be quick and must not touch the store.
public struct WorkProgress: Sendable, Hashable {
    /// What is being done now, in both languages (`备份 backing up`); long work has phases.
    public var phase: String
    public var done: Int
    /// `nil` while the total is not known yet.
    public var total: Int?
    /// What is counted: `rows`, `pages`, `files`, `parts`, `labels`.
    public var unit: String

    public init(phase: String, done: Int, total: Int?, unit: String) {
        self.phase = phase
        self.done = done
        self.total = total
        self.unit = unit
    }
}

/// Receives ``WorkProgress`` reports.
public typealias ProgressHandler = @Sendable (WorkProgress) -> Void
