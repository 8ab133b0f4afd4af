import Foundation
import KioskCore

/// What a label's code is.
public enum LabelCode: Sendable, Hashable {
    /// Code 128 of a text (every `KD:` code, part numbers).
    case code128(String)
    /// GS1-128 from the bracketed form, `(01)…(10)…`.
    case gs1_128(String)
    /// A QR code (the phone page's URL on a job ticket).
    case qr(String)

    /// The text a scanner gives back: GS1-128 with its `]C1` marker and GS separators as the
    /// scanner stack reports them (the scan classifier reads either).
    public var content: String {
        switch self {
        case .code128(let text), .qr(let text): text
        case .gs1_128(let bracketed): bracketed
        }
    }
}

/// One printed label (or receipt): lines of text and one code, in a size in millimetres.
/// Rendering lays them out: the first line large, the others smaller, the code below, and a
/// caption under a linear code.
public struct Label: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case bin, part, command, badge, ticket, slip
    }

    public var kind: Kind
    public var widthMM: Double
    public var heightMM: Double
    /// Text lines, the first as the title.
    public var lines: [String]
    public var code: LabelCode
    /// Human-readable text under a linear code (the code itself when `nil`).
    public var caption: String?
    /// Small print at the bottom (a URL, the store's name).
    public var footer: String?

    public init(kind: Kind, widthMM: Double, heightMM: Double, lines: [String], code: LabelCode, caption: String? = nil, footer: String? = nil) {
        self.kind = kind
        self.widthMM = widthMM
        self.heightMM = heightMM
        self.lines = lines
        self.code = code
        self.caption = caption
        self.footer = footer
    }

    /// Renders the label at `dpi` (203 for most label printers, 300 for office sheets).
    public func render(dpi: Int, text: TextRenderer) throws(BarcodeError) -> LabelBitmap {
        var bitmap = LabelBitmap(width: Int((widthMM * Double(dpi) / 25.4).rounded()), height: Int((heightMM * Double(dpi) / 25.4).rounded()), dpi: dpi)
        let margin = bitmap.dots(2.5)
        let usable = bitmap.width - 2 * margin
        var y = margin
        for (index, line) in lines.enumerated() {
            let size = bitmap.dots(index == 0 ? (kind == .ticket ? 6 : 5) : 3.2)
            text.draw(line, into: &bitmap, x: margin, y: y, size: size, maxWidth: usable)
            y += Int(Double(size) * 1.25)
        }
        let footerSize = bitmap.dots(2.4)
        let bottom = bitmap.height - margin - (footer == nil ? 0 : Int(Double(footerSize) * 1.3))
        switch code {
        case .code128, .gs1_128:
            let modules: BarcodeModules
            if case .gs1_128(let bracketed) = code { modules = try Barcodes.gs1_128(bracketed) } else { modules = try Barcodes.code128(code.content) }
            // Ten modules of quiet zone each side; as wide a module as fits, at least one dot.
            let module = min(bitmap.dots(0.5), usable / (modules.columns + 20))
            // Below 0.25 mm a module is too thin for thermal printing to scan reliably.
            guard Double(module) * 25.4 / Double(dpi) >= 0.24 else {
                throw .cannotEncode(code.content, reason: "too long for a \(Int(widthMM)) mm label at \(dpi) dpi (modules would be thinner than 0.25 mm): use a wider label or a shorter code")
            }
            let captionSize = bitmap.dots(2.8)
            let barHeight = max(bitmap.dots(6), min(bitmap.dots(15), bottom - y - Int(Double(captionSize) * 1.4) - bitmap.dots(1)))
            let codeWidth = modules.columns * module
            let x = margin + max(0, (usable - codeWidth) / 2)
            bitmap.drawLinear(modules, x: x, y: y + bitmap.dots(1), module: module, height: barHeight)
            let caption = self.caption ?? code.content
            let captionWidth = text.width(caption, size: captionSize)
            text.draw(caption, into: &bitmap, x: margin + max(0, (usable - captionWidth) / 2), y: y + bitmap.dots(1) + barHeight + bitmap.dots(0.5),
                      size: captionSize, maxWidth: usable)
        case .qr(let content):
            let modules = try Barcodes.qr(content)
            // Four modules of quiet zone around it.
            let room = min(usable, bottom - y - bitmap.dots(1))
            let module = max(1, room / (modules.columns + 8))
            let side = modules.columns * module
            bitmap.drawMatrix(modules, x: margin + (usable - side) / 2, y: y + 4 * module, module: module)
        }
        if let footer {
            let width = text.width(footer, size: footerSize)
            text.draw(footer, into: &bitmap, x: margin + max(0, (usable - width) / 2), y: bitmap.height - margin - footerSize, size: footerSize, maxWidth: usable)
        }
        return bitmap
    }
}

/// The labels kioskd prints, made from the store's records.
public enum Labels {
    /// Bin labels: 60 × 40 mm, the bin code large with its description, `KD:BIN:<code>`.
    public static func bin(_ bin: Bin) -> Label {
        Label(kind: .bin, widthMM: 60, heightMM: 40, lines: [bin.code] + (bin.label.isEmpty ? [] : [bin.label]),
              code: .code128("KD:BIN:\(bin.code)"), caption: "库位 BIN \(bin.code)")
    }

    /// A part label (80 × 45 mm): part number, Chinese and English names, and a code that finds the part:
    /// GS1-128 with its GTIN (and lot, when given) if it has one, else Code 128 of the part number.
    public static func part(_ part: Part, gtin14: String?, lot: String? = nil) -> Label {
        let code: LabelCode = if let gtin14 { .gs1_128("(01)\(gtin14)" + (lot.map { "(10)\($0)" } ?? "")) } else { .code128(part.partNumber) }
        return Label(kind: .part, widthMM: 80, heightMM: 45, lines: [part.partNumber, part.nameZh, part.nameEn],
                     code: code, caption: gtin14.map { "(01)\($0)" + (lot.map { " (10)\($0)" } ?? "") })
    }

    /// The counter's command barcodes with their meaning in Chinese and English, one 80 × 35 mm label each.
    public static func commands() -> [Label] {
        var labels = CounterMode.allCases.map { mode in
            command(.mode(mode), "\(mode.nameZh) · \(modeNameEn(mode))", "模式 mode")
        }
        labels += [
            command(.undo, "撤销 · Undo", "撤销上一笔 / undo the last movement"),
            command(.cancel, "清除 · Cancel", "清除库位、工单和数量 / clear bin, work order, quantity"),
            command(.close, "结束盘点 · Close count", "生成差异报告 / variance report"),
            command(.confirm, "确认盘点 · Confirm count", "过账调整 / post the adjustments"),
            command(.damaged, "损坏件 · Damaged", "收货时下一件放入隔离区 / receiving: the next part goes to quarantine"),
            command(.extra, "多送 · Extra", "收货时下一件不在采购单上 / receiving: the next part is not on the order"),
        ]
        labels += [1, 2, 5, 10, 20, 50].map { n in command(.quantity(n), "数量 × \(n) · Quantity \(n)", "下一次扫描计 \(n) / next part scan counts \(n)") }
        // The keypad: 3 then 7 then the part counts 37; a lone 0 in count mode records an empty find.
        labels += (0...9).map { d in
            command(.digit(d), "数字 \(d) · Key \(d)", d == 0 ? "数量键；盘点时单按 0 记空 / quantity key; 0 alone counts an empty find"
                                                       : "数量键：依次扫描数字再扫配件 / quantity key: digits, then the part")
        }
        // What the stack light and buzzer say after each scan. Its code is LOOK-UP, which books
        // nothing, so that this label scans like everything else kioskd prints.
        labels.append(Label(kind: .command, widthMM: 100, heightMM: 70, lines: [
            "信号说明 · Signals",
            "绿灯 一声 完成 · green, 1 beep: OK",
            "黄灯 短长 低库存 · amber, short-long: low",
            "蓝灯 两轻响 重复 · blue, 2 ticks: repeat",
            "黄闪 两长 不符 · amber blink, 2 long: wrong",
            "红慢闪 两短 无法识别 · red blink: unknown",
            "红灯 三短 拒绝 · red, 3 short: refused",
            "红快闪 长鸣 未保存 · red fast: NOT saved",
        ], code: .code128(CounterCommand.mode(.lookup).code), caption: "扫描＝查询模式 scan = look-up mode"))
        return labels
    }

    static func command(_ command: CounterCommand, _ title: String, _ meaning: String) -> Label {
        Label(kind: .command, widthMM: 80, heightMM: 35, lines: [title, meaning], code: .code128(command.code))
    }

    static func modeNameEn(_ mode: CounterMode) -> String {
        switch mode {
        case .lookup: "Look up"
        case .receive: "Receive"
        case .issue: "Issue"
        case .return: "Return"
        case .transfer: "Transfer"
        case .count: "Count"
        case .yardMove: "Yard move"
        case .yardCount: "Yard count"
        }
    }

    /// A technician's badge (工牌), credit-card size: name, badge number, `KD:TECH:<badge>`.
    public static func badge(_ technician: Technician) -> Label {
        Label(kind: .badge, widthMM: 85.6, heightMM: 54, lines: [technician.name, "工号 Badge \(technician.badge) · \(technician.role.nameZh)"],
              code: .code128("KD:TECH:\(technician.badge)"), caption: technician.badge)
    }

    /// The slip that goes with parts that arrived for a bay (80 mm receipt): where to take them,
    /// the job, each part with its quantity, and the job's code, which the counter scans to issue
    /// them to it (`KD:WO:<ticket>`).
    public static func partsArrival(_ request: PartsRequest, names: [String: String]) -> Label {
        let parts = request.parts.prefix(6).map { "\($0.partNumber) \(names[$0.partNumber] ?? "") ×\($0.quantity)" }
            + (request.parts.count > 6 ? ["… +\(request.parts.count - 6)"] : [])
        let lines = ["送往 \(request.bay ?? "—") · Take to \(request.bay ?? "—")", "待料已到 Parts arrived", "工单 Job \(request.ticketCode)"] + parts
        // As long as it needs to be: a receipt printer cuts where the slip ends.
        return Label(kind: .slip, widthMM: 72, heightMM: 40 + 4.5 * Double(lines.count - 1), lines: lines,
                     code: .code128("KD:WO:\(request.ticketCode)"), caption: "出库时扫此码 scan to issue · \(request.ticketCode)")
    }

    /// A carton shipped to a sister store (100 × 50 mm): where it goes and from where, the part
    /// and its quantity, and the carton's SSCC in GS1-128 (AI 00), which the receiving counter scans.
    public static func carton(_ transfer: StoreTransfer, partName: String) -> Label {
        Label(kind: .slip, widthMM: 100, heightMM: 50,
              lines: ["调拨 → \(transfer.toStore) · Transfer to \(transfer.toStore)", "发自 From \(transfer.fromStore) · \(transfer.shippedDay)",
                      "\(transfer.partNumber) \(partName) ×\(transfer.quantity)"],
              code: .gs1_128(transfer.labelCode), caption: "(00) \(transfer.sscc)")
    }

    /// A purchase order's sheet on an 80 mm receipt: the supplier, the day it is expected, each
    /// line, and the order's code, which the counter scans in RECEIVE mode when the goods come.
    public static func purchaseOrder(_ order: PurchaseOrder, names: [String: String]) -> Label {
        let lines = order.lines.prefix(30).map { "\($0.partNumber) \(names[$0.partNumber] ?? "") ×\($0.ordered)" }
            + (order.lines.count > 30 ? ["… +\(order.lines.count - 30)"] : [])
        let head = ["采购单 Purchase order", order.number, "供应商 \(order.supplier)"] + (order.expectedOn.map { ["预计到货 Expected \($0)"] } ?? [])
        return Label(kind: .slip, widthMM: 72, heightMM: 40 + 4.5 * Double(head.count + lines.count - 1), lines: head + lines,
                     code: .code128(order.code), caption: "收货时扫此码 scan to receive · \(order.number)")
    }

    /// A delivery's summary on an 80 mm receipt, for the driver and the file: the order and its
    /// supplier, the SSCC, and the order as it stands after it (each line ordered / received so
    /// far / short / over / damaged); its code is the order's (the rest is received against it).
    public static func deliverySummary(_ delivery: Delivery, order: PurchaseOrder, variance: [DeliveryVariance]) -> Label {
        var lines = ["收货单 Delivery received", "采购单 \(order.number) · \(order.supplier)"]
        if let sscc = delivery.sscc { lines.append("SSCC \(sscc)") }
        lines.append("本单累计 the order so far:")
        for v in variance.prefix(30) {
            var line = "\(v.partNumber) 订\(v.ordered) 收\(v.received)"
            if v.remaining > 0 { line += " 缺\(v.remaining)" }
            if v.over > 0 { line += " 多\(v.over)" }
            if v.damaged > 0 { line += " 损\(v.damaged)" }
            lines.append(line)
        }
        return Label(kind: .slip, widthMM: 72, heightMM: 40 + 4.5 * Double(lines.count - 1), lines: lines,
                     code: .code128(order.code), caption: order.number)
    }

    /// The slip that goes back with parts returned to the supplier (80 mm receipt): who to, the
    /// part and quantity, why, the order; its code is the part's, which the supplier scans.
    public static func supplierReturn(_ returned: SupplierReturn, partName: String) -> Label {
        let lines = ["退货单 Return to supplier", "供应商 \(returned.supplier)", "\(returned.partNumber) \(partName) ×\(returned.quantity)",
                     "原因 Reason: \(returned.reason)"] + (returned.orderNumber.map { ["采购单 Order \($0)"] } ?? [])
        return Label(kind: .slip, widthMM: 72, heightMM: 40 + 4.5 * Double(lines.count - 1), lines: lines,
                     code: .code128(returned.partNumber), caption: returned.partNumber)
    }

    /// The customer's job ticket on an 80 mm receipt: the store, the ticket code, the masked
    /// plate, the promised time, and a QR code of the phone page. No phone number or VIN.
    public static func ticket(_ order: WorkOrder, storeName: String, trackURL: String) -> Label {
        let url = trackURL.hasSuffix("/") ? trackURL + order.publicToken : trackURL + "/" + order.publicToken
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "zh_CN")
        formatter.timeZone = .current
        formatter.dateFormat = "MM-dd HH:mm"
        return Label(kind: .ticket, widthMM: 72, heightMM: 110,
                     lines: [storeName, "取车凭证 Job ticket", "工单 \(order.ticketCode)", "车牌 \(order.maskedPlate)",
                             "预计交车 Promised \(order.promisedAt.map(formatter.string(from:)) ?? "—")", "扫码查看进度 Scan to follow your car"],
                     code: .qr(url), footer: url)
    }
}
