import Hummingbird
import KioskCore
import NIOCore

/// The pages, with their styles and scripts inline: nothing is fetched from the internet.
/// Simplified Chinese first; the 中文/EN switch is remembered by the browser.
enum Page {
    static func html(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// A staff page: the session's CSRF token for the page's requests, and who is signed in
    /// with a sign-out button.
    static func html(_ body: String, staff: StaffSession?) -> Response {
        guard let staff else { return html(body) }
        let withToken = body.replacingOccurrences(of: "</head>", with: """
            <meta name="csrf-token" content="\(escape(staff.csrfToken))"><meta name="kd-role" content="\(staff.role.rawValue)"></head>
            """)
        let bar = """
            <div id="who" class="who"><span>\(escape(staff.name)) · \(escape(staff.badge)) · <span data-zh="\(escape(staff.role.nameZh))" data-en="\(escape(staff.role.rawValue))">\(escape(staff.role.nameZh))</span></span>
            <button onclick="KD.signOut()" data-zh="退出" data-en="Sign out">退出</button></div>
            """
        return html(withToken.replacingOccurrences(of: "<button id=\"lang\"", with: bar + "<button id=\"lang\""))
    }

    /// What a staff page answers when the request may not see it: the sign-in form (401), or
    /// the reason with a sign-out button so someone else can sign in (403).
    static func refusal(_ refusal: AccessRefusal, staff: StaffSession?) -> Response {
        switch refusal {
        case .notSignedIn:
            return html(shell(title: "登录 Sign in", bodyClass: "", body: """
                <form id="signin" class="signin" onsubmit="event.preventDefault(); KD.signIn()">
                <h1 data-zh="员工登录" data-en="Staff sign-in">员工登录</h1>
                <input id="signin-badge" autocomplete="username" placeholder="工号 Badge">
                <input id="signin-pin" type="password" inputmode="numeric" autocomplete="current-password" placeholder="密码 PIN">
                <button class="big" type="submit" data-zh="登录" data-en="Sign in">登录</button>
                </form><div id="toast"></div>
                """, script: "KD.label(); document.getElementById('signin-badge').focus();"), status: .unauthorized)
        default:
            return html(shell(title: "无权访问 Not allowed", bodyClass: "", body: """
                <div class="signin"><h1 data-zh="无权访问" data-en="Not allowed">无权访问</h1>
                <p id="refusal" style="font-size:20px">\(escape(refusal.message))</p>
                <button class="big alt" onclick="KD.signOut()" data-zh="换人登录" data-en="Sign in as someone else">换人登录</button></div>
                """, script: "KD.label();"), status: .forbidden)
        }
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
            .replacingOccurrences(of: "'", with: "&#39;")
    }

    static func shell(title: String, bodyClass: String, body: String, script: String) -> String {
        """
        <!doctype html>
        <html lang="zh-CN"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title)</title>
        <style>\(css)</style></head>
        <body class="\(bodyClass)">
        <button id="lang" class="lang" onclick="KD.toggleLang()">EN</button>
        \(body)
        <script>\(common)</script>
        <script>\(script)</script>
        </body></html>
        """
    }

    static let css = #"""
    *{box-sizing:border-box}body{margin:0;font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",sans-serif;background:#101820;color:#eef}
    h1{margin:0;font-size:28px}.lang{position:fixed;top:8px;right:8px;z-index:9;background:#334;color:#fff;border:1px solid #667;border-radius:6px;padding:4px 10px;font-size:14px}
    .muted{color:#9ab}.ok{color:#5d5}.bad{color:#f66}.pill{display:inline-block;padding:4px 12px;border-radius:999px;font-weight:bold}
    .stage-enteredWorkshop{background:#2a5fb0}.stage-repairing{background:#c07a10}.stage-nearlyDone{background:#7a40c0}.stage-readyForPickup{background:#1d9a4a}
    .state-checkedIn,.state-ready{background:#2a5fb0}.state-diagnosing,.state-waitingApproval{background:#c07a10}.state-waitingParts{background:#b02a2a}
    .state-repairing,.state-qualityCheck{background:#1d9a4a}.state-delivered,.state-cancelled{background:#555}
    button.big{font-size:22px;padding:10px 8px;border-radius:10px;border:0;color:#fff;background:#2d6cdf;min-height:60px}
    button.alt{background:#445}button.warn{background:#b02a2a}input{font-size:20px;padding:8px;border-radius:8px;border:1px solid #556;background:#fff;color:#111}
    .bay{width:100vw;height:100vh;max-width:800px;max-height:480px;padding:10px 12px;display:grid;grid-template-rows:auto 1fr auto;gap:8px;overflow:hidden}
    .bay .top{display:flex;justify-content:space-between;align-items:center;padding-right:60px}.bay .state{font-size:34px;padding:6px 22px}
    .bay .buttons{display:grid;grid-template-columns:repeat(4,1fr);gap:8px}.bay .row{display:flex;gap:8px;align-items:center}
    .bay #tools input{font-size:18px;padding:6px;min-width:0}.bay #tools button.big{font-size:18px;min-height:52px;padding:6px 10px}
    .lobby{padding:24px 32px}.lobby table{width:100%;border-collapse:collapse;font-size:34px;margin-top:16px}.lobby td,.lobby th{padding:14px;border-bottom:1px solid #334;text-align:left}
    .lobby th{font-size:22px;color:#9ab}.counter{padding:16px;display:grid;grid-template-columns:1.3fr 1fr;grid-template-rows:minmax(0,1fr);gap:16px;height:100vh;box-sizing:border-box}
    .counter>.panel:first-child{display:flex;flex-direction:column;min-height:0}.counter>.panel:first-child>.log{flex:1;min-height:0;overflow-y:auto}
    .counter>div:last-child{min-height:0;overflow-y:auto}
    .panel{background:#18242f;border-radius:10px;padding:12px}.panel h2{margin:0 0 8px;font-size:20px}.log div{padding:4px 0;border-bottom:1px solid #2a3640;font-size:16px;white-space:pre-wrap}
    .manager{padding:16px 20px;display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:14px}.manager .top{grid-column:1/-1;display:flex;justify-content:space-between;align-items:center;padding-right:60px}
    .manager .top h1{margin:0}.manager .wide{grid-column:1/-1}.periods{display:flex;gap:8px;align-items:center}.periods button{font-size:16px;padding:8px 14px;border-radius:8px;border:0;color:#fff;background:#3a4a5c}
    .periods button.on{background:#2f6fdf}.grid,.figures{width:100%;border-collapse:collapse;font-size:15px}.grid th,.grid td,.figures th,.figures td{padding:5px 6px;border-bottom:1px solid #2a3640;text-align:left;vertical-align:top}
    .grid th,.figures th{color:#9ab;font-weight:normal;white-space:nowrap}.grid .bay-cell{white-space:nowrap}
    .grid{table-layout:fixed}.grid th:first-child{width:70px}.grid th{overflow:hidden;text-overflow:ellipsis}.grid .chip{white-space:normal}.chip{display:inline-block;margin:2px;padding:2px 8px;border-radius:10px;background:#2a4a6a;white-space:nowrap}.chip.over{background:#8a2020}
    .figures tr.over td{color:#ff9b93}.figures tr.done td{color:#8fd694}.chart{display:block;margin-bottom:8px}.chart text{fill:#dde;font-size:14px;font-family:inherit}.chart .chart-title{font-size:16px;font-weight:bold}
    .chart .chart-bar{fill:#2f9a5a}.chart .chart-target{stroke:#e3b341;stroke-dasharray:4 3}.chart .chart-target-text{fill:#e3b341;font-size:12px}.chart .chart-empty{fill:#9ab}
    @media (max-width:1400px){.manager{grid-template-columns:repeat(2,minmax(0,1fr))}}
    .track{padding:20px;max-width:480px;margin:auto;text-align:center}.quote-box{border:2px solid #a86a00;border-radius:10px;padding:12px;margin:16px 0;text-align:left}.quote-box h2{margin:0 0 8px;font-size:22px}
    .quote-box table{width:100%;border-collapse:collapse;font-size:18px}.quote-box td{padding:6px 4px;border-bottom:1px solid #333}.quote-box .amount{text-align:right;white-space:nowrap}
    .quote-box .total td{font-weight:bold;border-bottom:none}.quote-box .ask{font-size:18px}.answers{display:flex;gap:12px}.answers button{flex:1}
    .answered{font-size:20px;font-weight:bold}.answered-approved{color:#3fb950}.answered-declined{color:#e3b341}.quote-error{color:#ff7b72}
    .quote{font-size:20px;margin-top:8px;padding:6px 10px;border-radius:6px;background:#3a2a00}.quote-approved{background:#1d4a2a}.quote-declined{background:#4a3a10}.steps{display:flex;justify-content:space-between;margin:24px 0}
    .steps div{flex:1;padding:10px 2px;margin:0 2px;border-radius:6px;background:#2a3640;font-size:14px}.steps div.on{background:#1d9a4a}.plate{font-size:40px;letter-spacing:2px}
    .details dl{display:grid;grid-template-columns:auto 1fr;gap:6px 12px;text-align:left;font-size:17px;margin:20px 0 12px}.details dt{color:#9aa7b2}.details dd{margin:0}
    .call{display:block;margin:16px auto 0;padding:14px;min-height:48px;box-sizing:border-box;border-radius:8px;background:#1d6fa5;color:#fff;text-decoration:none;font-size:18px}
    .who{position:fixed;top:8px;left:50%;transform:translateX(-50%);z-index:9;font-size:14px;color:#9ab;display:flex;gap:6px;align-items:center}
    .who button{background:#334;color:#fff;border:1px solid #667;border-radius:6px;padding:4px 12px;font-size:15px;min-height:36px;min-width:52px}
    .signin{max-width:420px;margin:60px auto;display:flex;flex-direction:column;gap:12px;padding:16px}
    .panel button.alt{font-size:16px;padding:8px 12px;border-radius:8px;border:0;color:#fff;background:#3a4a5c}
    .pending[hidden]{display:none}.pending{display:inline-block;margin:4px 0;padding:4px 14px;border-radius:8px;background:#20466e;color:#fff;font-size:28px;font-weight:bold}
    #toast.o-accepted{background:#1d6a3a}#toast.o-accepted-low{background:#a86a00}#toast.o-duplicate{background:#1f4f8f}
    #toast.o-wrong{background:#a86a00}#toast.o-unknown-code{background:#8a2020}#toast.o-refused{background:#8a2020}#toast.o-store-fault{background:#5a0000}
    .log .o-accepted-low,.log .o-wrong{color:#a86a00}.log .o-duplicate{color:#1f4f8f}
    #toast{position:fixed;bottom:8px;left:8px;right:8px;padding:10px;border-radius:8px;display:none;font-size:18px;pointer-events:none;opacity:.92}
    body:has(.bay) #toast{top:170px;bottom:auto}
    .counter>.panel:first-child{position:relative}.counter #toast{position:absolute}
    """#

    static let common = #"""
    const KD = {
      lang: localStorage.getItem('kd.lang') || (new URLSearchParams(location.search).get('lang') || 'zh'),
      t(zh, en) { return KD.lang === 'en' ? en : zh; },
      toggleLang() { KD.lang = KD.lang === 'en' ? 'zh' : 'en'; localStorage.setItem('kd.lang', KD.lang); KD.render && KD.render(); KD.label(); },
      label() { document.getElementById('lang').textContent = KD.lang === 'en' ? '中文' : 'EN';
        document.querySelectorAll('[data-zh]').forEach(e => e.textContent = KD.t(e.dataset.zh, e.dataset.en)); },
      esc(s) { return String(s ?? '').replace(/[&<>"']/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c])); },
      time(iso) { if (!iso) return '—'; const d = new Date(iso); return d.toLocaleString(KD.lang === 'en' ? 'en-GB' : 'zh-CN', {month:'2-digit', day:'2-digit', hour:'2-digit', minute:'2-digit'}); },
      async get(path) { const r = await fetch(path, {cache: 'no-store'}); if (!r.ok) throw new Error((await r.json().catch(() => ({}))).error?.message || r.status); return r.json(); },
      csrf() { return document.querySelector('meta[name="csrf-token"]')?.content || ''; },
      async signIn() {
        const badge = document.getElementById('signin-badge').value.trim(), pinBox = document.getElementById('signin-pin');
        try { await KD.post('/api/v1/session', {badge, pin: pinBox.value}); location.reload(); }
        catch (e) { pinBox.value = ''; KD.toast(e.message, false); }
      },
      async signOut() { await fetch('/api/v1/session', {method: 'DELETE', headers: {'x-csrf-token': KD.csrf()}}); location.reload(); },
      async post(path, body) {
        const r = await fetch(path, {method: 'POST', headers: {'content-type': 'application/json', 'x-csrf-token': KD.csrf()}, body: JSON.stringify(body || {})});
        const text = await r.text(); let data = {}; try { data = JSON.parse(text); } catch (e) {}
        if (!r.ok) throw new Error(data.error?.message || text || r.status); return data;
      },
      toast(msg, ok) { const t = document.getElementById('toast'); if (!t) return; t.textContent = msg; t.style.display = 'block';
        t.style.background = ok ? '#1d6a3a' : '#8a2020'; clearTimeout(KD._t); KD._t = setTimeout(() => t.style.display = 'none', 4000); },
      live(refresh, areas) { KD.render = refresh; refresh(); KD.label(); const es = new EventSource('/api/v1/events?areas=' + areas); es.addEventListener('change', () => refresh()); }
    };
    """#

    static func index(bay: String?) -> String {
        shell(title: "kioskd", bodyClass: "", body: """
            <div style="padding:24px"><h1 data-zh="kioskd 车间现场" data-en="kioskd shop floor">kioskd 车间现场</h1><ul style="font-size:22px;line-height:2">
            <li><a style="color:#9cf" href="/counter" data-zh="配件柜台" data-en="Parts counter">配件柜台</a></li>
            <li><a style="color:#9cf" href="/lobby" data-zh="客户休息区看板" data-en="Lobby board">客户休息区看板</a></li>
            \(bay.map { "<li><a style=\"color:#9cf\" href=\"/bay/\(escape($0))\">工位 \(escape($0))</a></li>" } ?? "")
            </ul></div>
            """, script: "KD.label();")
    }

    static func bay(_ bay: String) -> String {
        shell(title: "工位 \(escape(bay))", bodyClass: "", body: """
            <div class="bay" data-bay="\(escape(bay))">
              <div class="top"><h1><span data-zh="工位" data-en="Bay">工位</span> \(escape(bay))</h1><div id="clock" class="muted" style="font-size:24px"></div></div>
              <div id="job"></div>
              <div id="controls"><div id="buttons" class="buttons"></div>
                <div class="row" id="tools" style="margin-top:8px;display:none"><input id="badge" size="6"><input id="pin" size="5" type="password" inputmode="numeric" autocomplete="off">
                <button class="big alt" onclick="clock(true)" data-zh="上工" data-en="Clock on">上工</button>
                <button class="big alt" onclick="clock(false)" data-zh="下工" data-en="Clock off">下工</button>
                <input id="pn" size="10"><input id="qty" size="2" value="1">
                <button class="big warn" onclick="callParts()" data-zh="呼叫配件" data-en="Call for parts">呼叫配件</button></div></div>
            </div><div id="toast"></div>
            """, script: #"""
            const bay = document.querySelector('.bay').dataset.bay;
            let view = null, pressSeen = undefined;
            setInterval(() => document.getElementById('clock').textContent = new Date().toLocaleTimeString('zh-CN', {hour:'2-digit', minute:'2-digit'}), 1000);
            function name(s) { const n = view.stateNames[s]; return KD.t(n[0], n[1]); }
            function quoteStatus(q) {
              if (q.decision === 'approved') return KD.t('客户已同意 ', 'approved by the customer at ') + KD.time(q.decidedAt);
              if (q.decision === 'declined') return KD.t('客户不同意，按原项目维修 ', 'declined by the customer: the booked work goes on, ') + KD.time(q.decidedAt);
              return KD.t('等待客户确认', 'waiting for the customer');
            }
            async function act(fn, okMsg) { try { await fn(); KD.toast(okMsg, true); await refresh(); } catch (e) { KD.toast(e.message, false); } }
            async function move(to) {
              const body = {to, id: crypto.randomUUID ? crypto.randomUUID() : undefined, };
              if (to === 'cancelled') { body.reason = prompt(KD.t('取消原因', 'Reason for cancelling')); if (!body.reason) return; }
              if (to === 'repairing' && view.job.state === 'qualityCheck') body.reason = KD.t('质检不合格', 'QC failed');
              await act(() => KD.post(`/api/v1/jobs/${encodeURIComponent(view.job.ticketCode)}/transitions`, body), '✓ ' + name(to));
            }
            async function clock(on) {
              const badge = document.getElementById('badge').value.trim(), pinBox = document.getElementById('pin'), pin = pinBox.value;
              if (!badge || !pin) return KD.toast(KD.t('请输入工号和密码', 'Enter your badge number and PIN'), false);
              pinBox.value = '';
              await act(() => KD.post(`/api/v1/jobs/${encodeURIComponent(view.job.ticketCode)}/clock`, {badge, pin, on}), on ? KD.t('已上工', 'Clocked on') : KD.t('已下工', 'Clocked off'));
            }
            async function callParts() {
              const pn = document.getElementById('pn').value.trim(), q = parseInt(document.getElementById('qty').value || '1', 10);
              if (!pn) return KD.toast(KD.t('请输入配件编号', 'Enter a part number'), false);
              await act(() => KD.post(`/api/v1/jobs/${encodeURIComponent(view.job.ticketCode)}/parts-requests`, {parts: [{partNumber: pn, quantity: q}]}), KD.t('已呼叫配件', 'Parts requested'));
            }
            async function refresh() {
              try { view = await KD.get('/api/v1/bays/' + encodeURIComponent(bay)); } catch (e) { return KD.toast(e.message, false); }
              // A press of the bay's buttons since the page loaded: what it came to, a refusal in red.
              const press = view.lastPress;
              if (pressSeen !== undefined && press && press.id !== pressSeen) KD.toast(press.message, press.accepted);
              pressSeen = press ? press.id : null;
              // Only the job and its buttons are redrawn: what a technician is typing stays.
              const job = view.job, el = document.getElementById('job'), buttons = document.getElementById('buttons');
              document.getElementById('tools').style.display = job ? 'flex' : 'none';
              document.getElementById('badge').placeholder = KD.t('工号', 'Badge');
              document.getElementById('pin').placeholder = KD.t('密码', 'PIN');
              document.getElementById('pn').placeholder = KD.t('配件编号', 'Part no.');
              if (!job) { el.innerHTML = `<div style="font-size:36px;padding:40px" class="muted">${KD.t('本工位暂无工单', 'No job at this bay')}</div>`; buttons.innerHTML = ''; return; }
              el.innerHTML = `<div class="row"><span id="state" class="pill state state-${job.state}">${KD.esc(name(job.state))}</span>
                <span style="font-size:30px;margin-left:16px">${KD.esc(job.plate)}</span></div>
                <div class="muted" style="font-size:18px;margin-top:6px">${KD.t('工单', 'Ticket')} ${KD.esc(job.ticketCode)} · ${KD.esc(job.services.map(s => s.name).join(' + '))}
                · ${KD.t('交车', 'Promised')} ${KD.time(job.promisedAt)} · ${KD.t('技师', 'Technicians')}: ${KD.esc(job.technicians.join(', ') || '—')}</div>
                ${job.quote ? `<div id="quote" class="quote quote-${job.quote.decision || 'open'}">${KD.t('增项报价', 'Extra work quoted')} ${KD.esc(job.quote.total)}：${KD.esc(quoteStatus(job.quote))}</div>` : ''}`;
              // Handing over and cancelling are the service desk's: a technician does not see them.
              const role = document.querySelector('meta[name="kd-role"]')?.content;
              const closing = s => (s === 'delivered' || s === 'cancelled') && role === 'technician';
              if (job.next && closing(job.next)) job.next = null;
              const others = job.allowedNext.filter(s => s !== job.next && !closing(s));
              buttons.innerHTML = `${job.next ? `<button id="advance" class="big" onclick="move('${job.next}')">▶ ${KD.esc(name(job.next))}</button>` : ''}
                ${others.map(s => `<button class="big ${s === 'cancelled' ? 'warn' : 'alt'}" data-state="${s}" onclick="move('${s}')">${KD.esc(name(s))}</button>`).join('')}`;
            }
            KD.live(refresh, 'workshop,staff');
            """#)
    }

    static let lobby = shell(title: "维修进度 Service progress", bodyClass: "", body: """
        <div class="lobby"><h1><span data-zh="车辆维修进度" data-en="Service progress">车辆维修进度</span>
        <span id="count" class="muted" style="font-size:22px"></span></h1>
        <table><thead><tr><th data-zh="车牌" data-en="Plate">车牌</th><th data-zh="进度" data-en="Stage">进度</th><th data-zh="预计交车" data-en="Promised">预计交车</th></tr></thead>
        <tbody id="rows"></tbody></table></div>
        """, script: #"""
        async function refresh() {
          const v = await KD.get('/api/v1/lobby');
          document.getElementById('count').textContent = KD.t(`（${v.vehicles.length} 辆）`, `(${v.vehicles.length} vehicles)`);
          document.getElementById('rows').innerHTML = v.vehicles.map(x => `<tr><td class="plate-cell">${KD.esc(x.maskedPlate)}</td>
            <td><span class="pill stage stage-${x.stage}">${KD.esc(KD.t(x.stageZh, x.stageEn))}</span></td><td>${KD.time(x.promisedAt)}</td></tr>`).join('')
            || `<tr><td colspan="3" class="muted">${KD.t('暂无车辆', 'No vehicles in the workshop')}</td></tr>`;
        }
        KD.live(refresh, 'workshop');
        """#)

    static func track(_ token: String) -> String {
        shell(title: "维修进度", bodyClass: "", body: """
            <div class="track" data-token="\(escape(token))"><h1 data-zh="我的车辆维修进度" data-en="My vehicle">我的车辆维修进度</h1>
            <div id="plate" class="plate"></div><div class="steps" id="steps"></div><div id="promised" class="muted" style="font-size:18px"></div>
            <div id="quote"></div><div id="details" class="details"></div></div>
            """, script: #"""
            const token = document.querySelector('.track').dataset.token;
            let quoteShown = null;
            function renderQuote(q) {
              const box = document.getElementById('quote');
              if (!q) { box.innerHTML = ''; quoteShown = null; return; }
              quoteShown = q.id;
              const rows = q.lines.map(l => `<tr><td>${KD.esc(l.item)}</td><td class="amount">¥${(l.amountFen / 100).toFixed(2)}</td></tr>`).join('');
              let foot;
              if (q.awaitingAnswer) {
                foot = `<p class="ask">${KD.t('技师检查发现以上增项，是否同意维修？', 'The technician found the extra work above. Do you approve it?')}</p>
                  <div class="answers"><button id="approve" class="big" onclick="answer('approve')">${KD.t('同意维修', 'Approve')}</button>
                  <button id="decline" class="big alt" onclick="answer('decline')">${KD.t('不同意', 'Decline')}</button></div>`;
              } else if (q.decision) {
                const said = q.decision === 'approved' ? KD.t('您已同意', 'You approved it') : KD.t('您已拒绝增项，按原项目维修', 'You declined it: the booked work goes on');
                foot = `<p id="answered" class="answered answered-${q.decision}">${said} · ${KD.time(q.decidedAt)}</p>`;
              } else { foot = ''; }
              box.innerHTML = `<div class="quote-box"><h2>${KD.t('增项报价', 'Quote for extra work')}</h2>
                <table id="quote-lines">${rows}<tr class="total"><td>${KD.t('合计', 'Total')}</td><td class="amount" id="quote-total">${KD.esc(q.total)}</td></tr></table>${foot}</div>`;
            }
            async function answer(a) {
              const buttons = document.querySelectorAll('.answers button');
              buttons.forEach(b => b.disabled = true);
              try {
                const q = await KD.post('/api/v1/track/' + encodeURIComponent(token) + '/quote', {quote: quoteShown, answer: a});
                renderQuote(q);
                last = 0; refresh();
              } catch (e) {
                buttons.forEach(b => b.disabled = false);
                document.getElementById('quote').insertAdjacentHTML('beforeend', `<p class="quote-error">${KD.esc(e.message)}</p>`);
              }
            }
            const order = ['enteredWorkshop', 'repairing', 'nearlyDone', 'readyForPickup'];
            const names = {enteredWorkshop: ['已进入车间', 'In the workshop'], repairing: ['正在维修', 'Repairing'], nearlyDone: ['即将完成', 'Nearly done'], readyForPickup: ['可取车', 'Ready for pick-up']};
            // At most one look-up every 3 s (they are rate limited); a change inside that window
            // is fetched when it ends, never dropped.
            let last = 0, pending = null;
            async function refresh() {
              const wait = 3000 - (Date.now() - last);
              if (wait > 0) { if (!pending) pending = setTimeout(() => { pending = null; refresh(); }, wait); return; }
              last = Date.now();
              try {
                const v = await KD.get('/api/v1/track/' + encodeURIComponent(token));
                document.getElementById('plate').textContent = v.maskedPlate;
                renderQuote(v.quote);
                const at = order.indexOf(v.stage);
                document.getElementById('steps').innerHTML = order.map((s, i) => `<div class="${i <= at ? 'on' : ''}" data-stage="${s}">${KD.t(names[s][0], names[s][1])}</div>`).join('');
                document.getElementById('promised').textContent = KD.t('预计交车 ', 'Promised ') + KD.time(v.promisedAt);
                const phone = v.storePhone ? `<a id="call" class="call" href="tel:${encodeURIComponent(v.storePhone.replace(/[^0-9+]/g, ''))}">${KD.t('拨打服务台', 'Call the service desk')} ${KD.esc(v.storePhone)}</a>` : '';
                document.getElementById('details').innerHTML = `<dl>
                  <dt>${KD.t('当前', 'Now')}</dt><dd id="now">${KD.esc(KD.t(v.nowZh, v.nowEn))}</dd>
                  <dt>${KD.t('服务项目', 'Services booked')}</dt><dd id="services">${v.services.length ? v.services.map(KD.esc).join('<br>') : '—'}</dd>
                  </dl>${v.storeName ? `<div class="muted">${KD.esc(v.storeName)}</div>` : ''}${phone}`;
              } catch (e) { document.getElementById('steps').innerHTML = `<p>${KD.esc(e.message)}</p>`; }
            }
            KD.live(refresh, 'workshop');
            """#)
    }

    /// The hub's page for the service and parts managers: the floor now, the day's or week's
    /// figures with charts the server draws (inline SVG), what waits, and how each board syncs.
    static let manager = shell(title: "车间管理看板 Manager's view", bodyClass: "", body: """
        <div class="manager">
          <div class="top"><h1 data-zh="车间管理看板" data-en="Manager's view">车间管理看板</h1>
            <div class="periods"><button id="period-day" class="alt" onclick="setPeriod('day')" data-zh="今日" data-en="Today">今日</button>
            <button id="period-week" class="alt" onclick="setPeriod('week')" data-zh="近 7 天" data-en="Last 7 days">近 7 天</button>
            <span id="window" class="muted"></span></div></div>
          <div class="panel wide"><h2 data-zh="在修车辆（按工位、状态）" data-en="Open jobs by bay and state">在修车辆（按工位、状态）</h2><div id="floor"></div></div>
          <div class="panel"><h2 data-zh="工时对比（在修时长 / 标准工时）" data-en="Time against standard hours">工时对比（在修时长 / 标准工时）</h2><div id="hours"></div></div>
          <div class="panel"><div id="efficiency-chart"></div><div id="technicians"></div></div>
          <div class="panel"><div id="utilisation-chart"></div></div>
          <div class="panel"><h2 data-zh="预警与待料" data-en="Alerts and parts waiting">预警与待料</h2><div id="waiting" class="log"></div></div>
          <div class="panel wide"><h2 data-zh="设备同步" data-en="Boards and sync">设备同步</h2><div id="devices"></div></div>
          <div class="panel wide" id="chain-panel" hidden><h2 data-zh="连锁门店（库存、在途调拨、预警）" data-en="The chain's stores (stock, cartons in transit, alerts)">连锁门店（库存、在途调拨、预警）</h2><div id="chain"></div></div>
        </div><div id="toast"></div>
        """, script: #"""
        let period = new URLSearchParams(location.search).get('period') === 'week' ? 'week' : 'day';
        function setPeriod(p) { period = p; history.replaceState(null, '', '?period=' + p); refresh(); }
        const h = x => (Math.round(x * 10) / 10).toFixed(1);
        async function refresh() {
          let v;
          try { v = await KD.get('/api/v1/manager?period=' + period); } catch (e) { return KD.toast(e.message, false); }
          document.getElementById('period-day').classList.toggle('on', period === 'day');
          document.getElementById('period-week').classList.toggle('on', period === 'week');
          document.getElementById('window').textContent = KD.time(v.from) + ' – ' + KD.time(v.to);
          const name = s => { const n = v.states.find(x => x[0] === s); return n ? KD.t(n[1], n[2]) : s; };
          // Bays as rows, states as columns: each job where it stands, red when past its standard hours.
          const bays = [...new Set(v.openJobs.map(j => j.bay || '—'))];
          document.getElementById('floor').innerHTML = v.openJobs.length ? `<table class="grid"><thead><tr><th>${KD.t('工位', 'Bay')}</th>` +
            v.states.map(s => `<th>${KD.esc(KD.t(s[1], s[2]))}</th>`).join('') + `</tr></thead><tbody>` +
            bays.map(b => `<tr><td class="bay-cell">${KD.esc(b)}</td>` + v.states.map(s => `<td>` + v.openJobs.filter(j => (j.bay || '—') === b && j.state === s[0])
              .map(j => `<span class="chip ${j.overStandard ? 'over' : ''}" data-ticket="${KD.esc(j.ticketCode)}">${KD.esc(j.ticketCode)} · ${h(j.hoursInState)} h</span>`).join('') + `</td>`).join('') + `</tr>`).join('') +
            `</tbody></table>` : `<div class="muted">${KD.t('暂无在修车辆', 'No open jobs')}</div>`;
          document.getElementById('hours').innerHTML = `<table class="figures"><thead><tr><th>${KD.t('工单', 'Job')}</th><th>${KD.t('状态', 'State')}</th>` +
            `<th>${KD.t('本状态', 'In state')}</th><th>${KD.t('在修', 'Open')}</th><th>${KD.t('标准', 'Standard')}</th></tr></thead><tbody>` +
            v.openJobs.map(j => `<tr class="${j.overStandard ? 'over' : ''}"><td>${KD.esc(j.ticketCode)}</td><td>${KD.esc(name(j.state))}</td><td>${h(j.hoursInState)} h</td>` +
              `<td>${h(j.hoursOpen)} h</td><td>${j.standardHours > 0 ? h(j.standardHours) + ' h' : '—'}</td></tr>`).join('') + `</tbody></table>`;
          // The charts come drawn from the server (SVG, every text escaped there).
          document.getElementById('efficiency-chart').innerHTML = v.efficiencyChart;
          document.getElementById('utilisation-chart').innerHTML = v.utilisationChart;
          document.getElementById('technicians').innerHTML = `<table class="figures" id="technician-figures"><thead><tr><th>${KD.t('技师', 'Technician')}</th>` +
            `<th>${KD.t('实际工时', 'Actual')}</th><th>${KD.t('标准工时', 'Standard')}</th><th>${KD.t('效率', 'Efficiency')}</th></tr></thead><tbody>` +
            v.technicians.map(t => `<tr data-badge="${KD.esc(t.badge)}"><td>${KD.esc(t.badge)} ${KD.esc(t.name)}</td><td>${t.repairingHours.toFixed(2)}</td>` +
              `<td>${t.standardHours.toFixed(2)}</td><td>${t.efficiency == null ? '—' : t.efficiency.toFixed(2)}</td></tr>`).join('') + `</tbody></table>`;
          document.getElementById('waiting').innerHTML = v.alerts.map(a => `<div class="bad">${KD.esc(a)}</div>`).join('') +
            v.partsRequests.map(r => `<div class="${r.arrivedAt ? 'ok' : ''}">${KD.t('待料', 'Parts')} · ${KD.esc(r.bay || '—')} · ${KD.esc(r.ticketCode)} · ` +
              `${r.parts.map(p => KD.esc(p.partNumber) + '×' + p.quantity).join(' ') || KD.t('呼叫配件员', 'call for the clerk')}` +
              `${r.arrivedAt ? ' · ' + KD.t('已到齐', 'all here') : ' · ' + KD.t('已等 ', 'waiting since ') + KD.time(r.raisedAt)}</div>`).join('') || `<div class="muted">—</div>`;
          document.getElementById('devices').innerHTML = v.devices.length ? `<table class="figures"><thead><tr><th>${KD.t('设备', 'Board')}</th><th>${KD.t('角色', 'Role')}</th>` +
            `<th>${KD.t('最近连接', 'Last seen')}</th><th>${KD.t('最近事件', 'Last event')}</th><th>${KD.t('待发', 'Queue')}</th><th>${KD.t('事件', 'Events')}</th><th>${KD.t('被拒/冲突', 'Refused')}</th></tr></thead><tbody>` +
            v.devices.map(d => `<tr class="${d.revoked ? 'muted' : d.auditAlarm || d.refused ? 'over' : ''}"><td>${KD.esc(d.deviceID)}${d.revoked ? ' (' + KD.t('已吊销', 'revoked') + ')' : ''}</td><td>${KD.esc(d.role)}</td>` +
              `<td>${d.lastSeenAt ? KD.time(d.lastSeenAt) : '—'}</td><td>${d.lastEventAt ? KD.time(d.lastEventAt) : '—'}</td><td>${d.queue == null ? '—' : d.queue}</td>` +
              `<td>${d.events}</td><td>${d.refused}${d.auditAlarm ? ' · ' + KD.esc(d.auditAlarm) : ''}</td></tr>`).join('') + `</tbody></table>`
            : `<div class="muted">${KD.t('没有已注册的设备', 'No boards enrolled')}</div>`;
          refreshChain();
        }
        // A hub whose ledger the chain shares: every store's figures (elsewhere 409, and the panel stays hidden).
        async function refreshChain() {
          if (KD.chain === false) return;
          let c;
          try { c = await KD.get('/api/v1/chain/report'); } catch (e) { if (/chain/.test(e.message)) KD.chain = false; return; }
          const yuan = f => '¥' + (f / 100).toFixed(2);
          document.getElementById('chain-panel').hidden = false;
          document.getElementById('chain').innerHTML = `<table class="figures" id="chain-figures"><thead><tr><th>${KD.t('门店', 'Store')}</th><th>${KD.t('品种', 'Parts')}</th>` +
            `<th>${KD.t('数量', 'Units')}</th><th>${KD.t('库存金额', 'Value')}</th><th>${KD.t('调出在途', 'Shipped, in transit')}</th><th>${KD.t('调入在途', 'Coming in')}</th>` +
            `<th>${KD.t('预警', 'Alerts')}</th><th>${KD.t('最近同步', 'Last push')}</th></tr></thead><tbody>` +
            c.stores.map(s => `<tr data-store="${KD.esc(s.store)}"><td>${KD.esc(s.store)}${s.isThisStore ? ' ' + KD.t('（本店）', '(here)') : ''}</td><td>${s.parts}</td><td>${s.units}</td>` +
              `<td>${yuan(s.valueFen)}${s.partsWithoutCost ? ` <span class="muted">(${s.partsWithoutCost} ${KD.t('种无成本价', 'without cost')})</span>` : ''}</td>` +
              `<td>${s.cartonsOut ? `${s.cartonsOut} ${KD.t('箱', 'cartons')} · ${s.unitsOut} · ${yuan(s.valueOutFen)}` : '—'}</td>` +
              `<td>${s.cartonsIn ? `${s.cartonsIn} ${KD.t('箱', 'cartons')} · ${s.unitsIn} · ${yuan(s.valueInFen)}` : '—'}</td>` +
              `<td class="${s.alerts.length ? 'bad' : ''}">${s.alerts.length ? s.alerts.map(a => KD.esc(a.partNumber) + ' ' + a.onHand + '/' + a.threshold).join('，') : '—'}</td>` +
              `<td>${KD.time(s.lastPushAt)}</td></tr>`).join('') + `</tbody></table>`;
        }
        KD.live(refresh, 'workshop,alerts,yard,sync,staff,records');
        // The other stores' figures change without telling this hub: look again every 30 s.
        setInterval(refreshChain, 30000);
        """#)

    static let counter = shell(title: "配件柜台 Parts counter", bodyClass: "", body: """
        <div class="counter">
          <div class="panel"><h2 data-zh="扫描" data-en="Scan">扫描</h2>
            <form id="scanform" class="row" style="display:flex;gap:8px"><input id="scan" autofocus style="flex:1" autocomplete="off">
            <button class="big" data-zh="确定" data-en="Enter">确定</button></form>
            <div id="mode" class="muted" style="margin:8px 0;font-size:18px"></div>
            <div id="pending" class="pending" hidden></div>
            <div id="unsent" class="bad" style="margin:4px 0;font-size:18px" hidden></div>
            <div id="sync" class="muted" style="margin:4px 0;font-size:15px"></div>
            <div id="refusals" style="margin:0 0 4px;font-size:14px"></div>
            <div id="log" class="log"></div><div id="toast"></div></div>
          <div>
            <div class="panel"><h2 data-zh="库存查询" data-en="Stock lookup">库存查询</h2><input id="q" style="width:100%"><div id="stock" class="log"></div></div>
            <div class="panel" style="margin-top:12px"><h2 data-zh="待料（工位）" data-en="Bays waiting for parts">待料（工位）</h2><div id="requests" class="log"></div></div>
            <div class="panel" style="margin-top:12px" id="receiving-panel" hidden><h2 data-zh="收货（采购单）" data-en="Receiving against a purchase order">收货（采购单）</h2><div id="receiving"></div></div>
            <div class="panel" style="margin-top:12px" id="transfers-panel" hidden><h2 data-zh="调拨在途（连锁门店）" data-en="Cartons in transit (sister stores)">调拨在途（连锁门店）</h2><div id="transfers" class="log"></div></div>
            <div class="panel" style="margin-top:12px"><h2 data-zh="增项报价（客户确认）" data-en="Extra work quoted (customer's answer)">增项报价（客户确认）</h2><div id="quotes" class="log"></div></div>
            <div class="panel" style="margin-top:12px"><h2 data-zh="安全库存预警（配件、整车）" data-en="Low-stock alerts (parts, cars)">安全库存预警（配件、整车）</h2><div id="alerts" class="log"></div></div>
            <div class="panel" style="margin-top:12px"><h2 data-zh="盘点" data-en="Stocktakes">盘点</h2><div id="counts" class="log"></div></div>
            <div class="panel" style="margin-top:12px"><h2 data-zh="打印标签" data-en="Print labels">打印标签</h2>
              <div class="row" style="display:flex;gap:6px;flex-wrap:wrap">
                <input id="print-from" size="6"><input id="print-to" size="6">
                <button id="print-bins" class="alt" onclick="printBins()" data-zh="库位标签" data-en="Bin labels">库位标签</button>
                <input id="print-ticket" size="14"><button id="print-ticket-button" class="alt" onclick="printTicket()" data-zh="补打取车凭证" data-en="Reprint ticket">补打取车凭证</button>
                <button class="alt" onclick="printJob({kind: 'commands'})" data-zh="指令条码表" data-en="Command sheet">指令条码表</button></div>
              <div id="print-jobs" class="log"></div></div>
          </div>
        </div>
        """, script: #"""
        // Each outcome's own colour and sound (Web Audio: tones made here, nothing fetched).
        const outcomes = {
          'accepted': {zh: '完成', en: 'OK', tones: [[880, 0.08]]},
          'accepted-low': {zh: '完成·低库存', en: 'OK · low stock', tones: [[880, 0.08], [0, 0.1], [440, 0.4]]},
          'duplicate': {zh: '重复已忽略', en: 'Duplicate ignored', tones: [[1320, 0.03], [0, 0.06], [1320, 0.03]]},
          'wrong': {zh: '配件或工单不符', en: 'Wrong part or work order', tones: [[330, 0.3], [0, 0.15], [330, 0.3]]},
          'unknown-code': {zh: '无法识别', en: 'Unknown code', tones: [[262, 0.08], [0, 0.08], [262, 0.08]]},
          'refused': {zh: '拒绝', en: 'Refused', tones: [[262, 0.08], [0, 0.08], [262, 0.08], [0, 0.08], [262, 0.08]]},
          'store-fault': {zh: '存储故障', en: 'Store fault', tones: [[196, 1.0]]},
        };
        // Browsers start audio only after a gesture on the page (a kiosk's Chromium runs with
        // --autoplay-policy=no-user-gesture-required): the first key or tap wakes it.
        let audio = null, audioEnd = 0; const heard = new Set();
        function wake() {
          try { audio = audio || new (window.AudioContext || window.webkitAudioContext)(); if (audio.state === 'suspended') audio.resume(); } catch (e) {}
        }
        ['keydown', 'pointerdown', 'touchstart'].forEach(ev => document.addEventListener(ev, wake, {capture: true}));
        function sound(outcome) {
          const o = outcomes[outcome]; if (!o) return;
          try {
            wake();
            // Sounds of scans that arrive together play one after the other, not on top.
            let t = Math.max(audio.currentTime + 0.01, audioEnd + 0.08);
            for (const [hz, seconds] of o.tones) {
              if (hz) { const osc = audio.createOscillator(), gain = audio.createGain(); osc.frequency.value = hz; gain.gain.value = 0.2;
                osc.connect(gain).connect(audio.destination); osc.start(t); osc.stop(t + seconds); }
              t += seconds;
            }
            audioEnd = t;
            // What the page played, for the page test: only a sound that can be heard counts.
            if (audio.state === 'running') { window.kdLastSound = outcome; (window.kdSounds = window.kdSounds || []).push(outcome); }
          } catch (e) {}
        }
        function announce(id, outcome, message) {
          if (id && heard.has(id)) return; if (id) heard.add(id);
          const o = outcomes[outcome], t = document.getElementById('toast');
          KD.toast((o ? KD.t(o.zh, o.en) + ' · ' : '') + message, outcome === 'accepted' || outcome === 'accepted-low');
          t.className = 'o-' + outcome; t.style.background = ''; t.dataset.outcome = outcome;
          sound(outcome);
        }
        let firstView = true;
        const modes = {lookup: ['查询', 'look up'], receive: ['入库', 'receive'], issue: ['出库', 'issue'], return: ['退料', 'return'], transfer: ['移库', 'transfer'], count: ['盘点', 'count'], 'yard-move': ['车场移位', 'yard move'], 'yard-count': ['车场盘点', 'yard count']};
        async function refresh() {
          const v = await KD.get('/api/v1/counter'), s = v.session;
          document.getElementById('mode').textContent = `${KD.t('模式', 'Mode')}: ${KD.t(...(modes[s.mode] || [s.mode, s.mode]))} · ${KD.t('库位', 'Bin')}: ${s.bin || '—'}${s.targetBin ? ' → ' + s.targetBin : ''} · ${KD.t('工单', 'Work order')}: ${s.workOrder || '—'}`;
          const pending = document.getElementById('pending');
          pending.hidden = s.pendingQuantity == null;
          pending.textContent = s.pendingQuantity == null ? '' : `${KD.t('下一件数量', 'Next scan counts')} ×${s.pendingQuantity}`;
          // A scan from any source (scanner, camera, this page) is heard once, when it shows;
          // several that arrived between two updates are announced oldest first.
          if (!firstView) v.scans.slice().reverse().forEach(x => { if (x.outcome) announce(x.id, x.outcome, x.message); });
          if (firstView) v.scans.forEach(x => heard.add(x.id));
          firstView = false;
          const sy = v.sync, syncBox = document.getElementById('sync');
          syncBox.className = sy && sy.lastError ? 'bad' : 'muted';
          syncBox.textContent = !sy ? '' : `${KD.t('同步', 'Sync')}: ${KD.t('待上传', 'waiting')} ${sy.queueDepth}` +
            (sy.lastSuccess ? ` · ${KD.t('上次成功', 'last success')} ${KD.time(sy.lastSuccess)}` : '') +
            (sy.lastError ? ` · ${KD.t('门店主机不可达，稍后重试', 'hub unreachable, retrying')}` : '') +
            (sy.refusals && sy.refusals.length ? ` · ${KD.t('门店主机拒绝的工单操作', 'job moves the hub refused')} ${sy.refusals.length}` : '');
          // The newest three refusals: when, the job, the state it took from the hub, and why.
          document.getElementById('refusals').innerHTML = (sy && sy.refusals || []).slice(0, 3).map(r =>
            `<div class="bad">${KD.t('冲突', 'Conflict')} ${KD.time(r.at)} · ${KD.esc(r.ticketCode)} → ${KD.esc(KD.t(r.hubStateZh, r.hubState))} · ${KD.esc(r.reason)}</div>`).join('');
          document.getElementById('log').innerHTML = v.scans.map(x => `<div class="${x.accepted ? 'ok' : 'bad'} o-${KD.esc(x.outcome || '')}">${x.accepted ? '✓' : '✗'} ${KD.esc(x.text)} — ${KD.esc(x.message)}</div>`).join('');
          // A request whose parts have all come in says where to take them.
          document.getElementById('requests').innerHTML = v.partsRequests.map(r => `<div class="${r.arrivedAt ? 'ok' : ''}">${KD.esc(r.bay || '—')} · ${KD.esc(r.ticketCode)} · ${r.parts.map(p => KD.esc(p.partNumber) + '×' + p.quantity).join(' ')}` +
            (r.arrivedAt ? ` · ${KD.t('已到齐，请送往', 'all here: take them to')} ${KD.esc(r.bay || '—')}` : '') + `</div>`).join('') || `<div class="muted">—</div>`;
          // The delivery being received: each line of its order against what came in.
          const rc = v.receiving;
          document.getElementById('receiving-panel').hidden = !rc;
          document.getElementById('receiving').innerHTML = !rc ? '' : `<div class="muted">${KD.esc(rc.order)} · ${KD.esc(rc.supplier)}${rc.sscc ? ' · SSCC ' + KD.esc(rc.sscc) : ''}</div>` +
            `<table class="figures" id="receiving-lines"><thead><tr><th>${KD.t('配件', 'Part')}</th><th>${KD.t('订货', 'Ordered')}</th><th>${KD.t('已收', 'Received')}</th>` +
            `<th>${KD.t('待收', 'To come')}</th><th>${KD.t('损坏', 'Damaged')}</th></tr></thead><tbody>` +
            rc.lines.map(l => `<tr class="${l.ordered === 0 || l.received > l.ordered ? 'over' : l.received >= l.ordered ? 'done' : ''}" data-part="${KD.esc(l.partNumber)}">` +
              `<td>${KD.esc(l.partNumber)}${l.ordered === 0 ? ' ' + KD.t('（多送）', '(extra)') : ''}</td><td>${l.ordered}</td><td>${l.received}</td>` +
              `<td>${Math.max(0, l.ordered - l.received)}</td><td>${l.damaged || ''}</td></tr>`).join('') + `</tbody></table>`;
          // Cartons on the road: the ones coming here are received by scanning their label in RECEIVE mode.
          document.getElementById('transfers-panel').hidden = !v.transfers.length;
          document.getElementById('transfers').innerHTML = v.transfers.map(t => t.incoming
            ? `<div>← ${KD.esc(t.fromStore)} · ${KD.esc(t.partNumber)}×${t.quantity} · ${KD.t('发货', 'shipped')} ${KD.time(t.shippedAt)} · ${KD.t('到货后入库模式扫箱标', 'on arrival: scan its label in RECEIVE mode')} · SSCC ${KD.esc(t.sscc)}</div>`
            : `<div class="muted">→ ${KD.esc(t.toStore)} · ${KD.esc(t.partNumber)}×${t.quantity} · ${KD.t('发货', 'shipped')} ${KD.time(t.shippedAt)} · SSCC ${KD.esc(t.sscc)}</div>`).join('');
          // Quotes the customer answered (approved work will need parts), and those still open.
          document.getElementById('quotes').innerHTML = v.quotes.map(({bay, quote: q}) => `<div class="${q.decision === 'approved' ? 'ok' : ''}">${KD.esc(bay || '—')} · ${KD.esc(q.ticketCode)} · ${KD.esc(q.total)} · ` +
            (q.decision === 'approved' ? KD.t('客户已同意 ', 'approved ') + KD.time(q.decidedAt) + ' · ' + q.lines.map(l => KD.esc(l.item)).join('、')
             : q.decision === 'declined' ? KD.t('客户不同意 ', 'declined ') + KD.time(q.decidedAt) : KD.t('等待客户确认', 'waiting for the customer')) + `</div>`).join('') || `<div class="muted">—</div>`;
          document.getElementById('alerts').innerHTML = v.alerts.concat(v.yardAlerts.map(a => '整车 · ' + a)).map(a => `<div class="bad">${KD.esc(a)}</div>`).join('') || `<div class="muted">—</div>`;
          document.getElementById('counts').innerHTML = v.stocktakes.map(c => `<div>${KD.esc(c.scope)} · ${c.status} · ${KD.t('已扫', 'scanned')} ${c.scanned}</div>`).join('') || `<div class="muted">—</div>`;
        }
        async function printJob(body) {
          try { const j = await KD.post('/api/v1/print-jobs', body); KD.toast(KD.t(`已加入打印队列 #${j.id}（${j.printer}）`, `Queued job #${j.id} on ${j.printer}`), true); }
          catch (e) { KD.toast(e.message, false); }
          refreshPrints();
        }
        function printBins() { printJob({kind: 'bins', from: document.getElementById('print-from').value.trim(), to: document.getElementById('print-to').value.trim()}); }
        function printTicket() { printJob({kind: 'ticket', subjects: [document.getElementById('print-ticket').value.trim()]}); }
        async function refreshPrints() {
          document.getElementById('print-from').placeholder = KD.t('从库位', 'From bin');
          document.getElementById('print-to').placeholder = KD.t('到库位', 'To bin');
          document.getElementById('print-ticket').placeholder = KD.t('工单号', 'Ticket code');
          const states = {waiting: ['等待打印', 'waiting'], printed: ['已打印', 'printed'], cancelled: ['已取消', 'cancelled']};
          try {
            // The print service's progress comes as a change of the print queue (the page's
            // event stream), like every other change: nothing is polled.
            const v = await KD.get('/api/v1/print-jobs');
            document.getElementById('print-jobs').innerHTML = v.jobs.slice(0, 6).map(j => `<div class="${j.state === 'waiting' && j.lastError ? 'bad' : j.state === 'printed' ? 'ok' : ''}">#${j.id} ${KD.esc(j.printer)} · ${KD.esc(j.kind)} ${KD.esc(j.subjects.slice(0, 3).join(','))}${j.subjects.length > 3 ? '…' : ''} · ${KD.t(...states[j.state])}${j.lastError && j.state === 'waiting' ? ' — ' + KD.esc(j.lastError) : ''}</div>`).join('') || `<div class="muted">—</div>`;
          } catch (e) { document.getElementById('print-jobs').innerHTML = `<div class="muted">${KD.esc(e.message)}</div>`; }
        }
        const counterRefresh = refresh;
        refresh = async () => { await counterRefresh(); await refreshPrints(); };
        // Scans go to the daemon one at a time, in the order they were typed: a scanner sends the
        // next code before the last one is answered, and a part scanned after a mode command must
        // be booked in that mode, never overtake it on another connection. Each scan carries its
        // own id, so that sending it again books it once even if an earlier try reached the
        // daemon:
        // - no answer (the link, the daemon restarting, a proxy that could not reach it): the
        //   same scan again, 0.5 s to 5 s apart, for two minutes from when it was typed; after
        //   that it and those behind it are listed instead, for the clerk to check and scan again;
        // - signed out (401/403): the scans wait in this tab, with their ids, and go after the
        //   clerk signs in again (a reload), if they are still under two minutes old;
        // - refused outright (bad input), or a mode command the daemon did not accept: the scans
        //   typed after it would be booked without what came before, so they are listed instead.
        // What waits and what is listed survives a reload (sessionStorage, this tab only).
        const RESEND_MS = 120000;
        const kept = name => { try { return JSON.parse(sessionStorage.getItem(name) || '[]'); } catch (e) { return []; } };
        let waiting = kept('kd.scans.waiting'), notSent = kept('kd.scans.notSent'), working = false, retrying = false, signedOut = false;
        function save() { sessionStorage.setItem('kd.scans.waiting', JSON.stringify(waiting)); sessionStorage.setItem('kd.scans.notSent', JSON.stringify(notSent)); }
        function scanID() {
          const b = crypto.getRandomValues(new Uint8Array(16)); b[6] = b[6] & 0x0f | 0x40; b[8] = b[8] & 0x3f | 0x80;
          const h = Array.from(b, x => x.toString(16).padStart(2, '0')).join('');
          return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
        }
        function showUnsent() {
          const box = document.getElementById('unsent'), lines = [];
          if (signedOut) lines.push(KD.t(`登录已失效：请刷新页面并登录，${waiting.length} 个扫描将在登录后发送`, `Signed out: reload and sign in; ${waiting.length} scan(s) will be sent then`));
          else if (retrying) lines.push(KD.t(`连接中断：${waiting.length} 个扫描待发送，正在重试（请勿重复扫描）`, `Connection lost: ${waiting.length} scan(s) waiting, retrying (do not scan them again)`));
          if (notSent.length) lines.push(KD.t(`未发送，请核对后重新扫描：`, `Not sent, check and scan again: `) +
            notSent.map(n => n.text + (n.maybe ? KD.t('（可能已保存，请先查看记录）', ' (may be saved: check the list first)') : '') + (n.why ? ` — ${n.why}` : '')).join(KD.t('，', ', ')));
          box.hidden = !lines.length; box.textContent = lines.join(' · ');
        }
        // The scan at the head of the queue, and every one behind it, go to the list.
        function listTheRest(why) {
          notSent = notSent.concat(waiting.map((w, i) => ({text: w.text, maybe: w.tried, why: i === 0 ? why : ''}))).slice(-12);
          waiting = []; save();
        }
        async function pump() {
          if (working) return; working = true;
          try {
            for (let attempt = 0; waiting.length;) {
              const scan = waiting[0];
              if (Date.now() - scan.at > RESEND_MS) { retrying = false; listTheRest(KD.t('两分钟内未能发送', 'not sent within two minutes')); break; }
              let reply = null, data = {};
              const resent = scan.tried;
              try {
                scan.tried = true; save();
                reply = await fetch('/api/v1/scans', {method: 'POST', headers: {'content-type': 'application/json', 'x-csrf-token': KD.csrf()}, body: JSON.stringify({text: scan.text, id: scan.id})});
                const body = await reply.text(); try { data = JSON.parse(body); } catch (e) { data = {error: {message: body || String(reply.status)}}; }
              } catch (e) { reply = null; }
              if (!reply || [502, 503, 504].includes(reply.status)) {
                retrying = true; showUnsent();
                await new Promise(resolve => setTimeout(resolve, Math.min(5000, 500 * 2 ** attempt++)));
                continue;
              }
              retrying = false; attempt = 0; signedOut = reply.status === 401 || reply.status === 403;
              if (signedOut) break;
              waiting.shift(); save();
              if (!reply.ok) { KD.toast(`${scan.text}: ${data.error?.message || reply.status}`, false); listTheRest(KD.t(`在 ${scan.text} 被拒绝之后`, `after ${scan.text} was refused`)); break; }
              // An earlier try that reached the daemon makes this one its duplicate: say what it did.
              announce(data.scanID, resent && data.duplicate ? (data.accepted ? 'accepted' : 'refused') : data.outcome, data.message);
              if (scan.text.startsWith('KD:CMD:') && !data.accepted) listTheRest(KD.t(`在指令 ${scan.text} 未生效之后`, `after the command ${scan.text} did not take`));
            }
          } catch (e) {
            KD.toast(e.message, false);
          } finally {
            working = false; showUnsent(); refresh();
          }
        }
        document.getElementById('scanform').addEventListener('submit', ev => {
          ev.preventDefault(); const input = document.getElementById('scan'), text = input.value.trim(); input.value = ''; if (!text) return;
          // Scanned again: it leaves the list of scans not sent.
          const again = notSent.findIndex(n => n.text === text); if (again >= 0) notSent.splice(again, 1);
          waiting.push({text, id: scanID(), at: Date.now(), tried: false}); save(); showUnsent();
          pump();
          input.focus();
        });
        // Scans that waited through a reload (signing in again) go now, with their ids.
        showUnsent(); if (waiting.length) pump();
        document.getElementById('q').addEventListener('input', async ev => {
          const q = ev.target.value.trim(); if (!q) { document.getElementById('stock').innerHTML = ''; return; }
          const v = await KD.get('/api/v1/stock?q=' + encodeURIComponent(q));
          document.getElementById('stock').innerHTML = v.rows.map(r => `<div>${KD.esc(r.partNumber)} ${KD.esc(KD.t(r.nameZh, r.nameEn))}: <b>${r.onHand}</b> ${Object.entries(r.bins).map(([b, n]) => KD.esc(b) + ':' + n).join(' ')}</div>`).join('') || `<div class="muted">—</div>`;
          // On a hub whose ledger the chain shares: the sister stores that hold the first part found.
          // A reply to an older look-up (the clerk typed on) is dropped.
          const asked = KD.lookup = (KD.lookup || 0) + 1;
          if (v.rows.length && KD.chain !== false) {
            try {
              const c = await KD.get('/api/v1/stock/chain?part=' + encodeURIComponent(v.rows[0].partNumber));
              if (asked !== KD.lookup) return;
              const sisters = c.rows.filter(r => !r.isThisStore);
              document.getElementById('stock').insertAdjacentHTML('beforeend', `<div class="muted" id="chain">${KD.t('连锁门店', 'Sister stores')}: ` +
                (sisters.map(r => `${KD.esc(r.store)} ${KD.esc(r.bin)}:${r.quantity} (${KD.t('同步于', 'synced')} ${KD.time(r.lastPushAt)})`).join('，') || '—') + `</div>`);
            } catch (e) { if (/chain ledger/.test(e.message)) KD.chain = false; }   // no chain here (409): not asked again
          }
        });
        KD.live(refresh, 'scans,stock,purchasing,alerts,workshop,yard,stocktake,printing,sync,records');
        """#)
}
