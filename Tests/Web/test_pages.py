"""The pages in headless Chromium (Debian's chromium + chromedriver, driven by Selenium)
against the real kioskd daemon: a state change made on the bay page shows on the lobby
page and the phone page without a reload. Screenshots at kiosk resolutions go to
.build-web/screenshots/ for review."""
import json, os, re, shutil, signal, subprocess, tempfile, time, urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
KIOSKD = os.environ.get("KIOSKD", str(ROOT / ".build/debug/kioskd"))
SHOTS = ROOT / ".build-web/screenshots"


@pytest.fixture(scope="module")
def daemon():
    data = Path(tempfile.mkdtemp(prefix="kioskd-web-"))
    config = data / "kioskd.toml"
    config.write_text(f"""
[device]
id = "web-test"
data_dir = "{data}"
[bay]
id = "BAY-1"
[web]
listen = "127.0.0.1:0"
[[scanners]]
kind = "fifo"
[[printers]]
name = "office"
language = "png"
directory = "{data}/printed"
dpi = 203
[labels]
label_printer = "office"
ticket_printer = "office"
store_name = "测试 4S 店"
store_phone = "0755-8888 6666"
""")
    def k(*args, stdin=None):
        return subprocess.run([KIOSKD, *args, "--config", str(config)], check=True, capture_output=True, text=True, input=stdin).stdout
    (data / "parts.csv").write_text("part_number,name_zh,name_en,barcodes,bin,safety_stock\nP1,刹车片,Brake pad,6901234567892,A-01,2\n")
    k("parts", "import", str(data / "parts.csv"))
    k("technicians", "add", "T1", "王师傅", "--with-pin", stdin="2468\n")
    k("staff", "add", "C1", "李配件", "--with-pin", "--role", "clerk", stdin="1357\n")
    k("staff", "add", "M1", "赵经理", "--with-pin", "--role", "manager", stdin="9753\n")
    opened = k("jobs", "open", "--ticket", "WO-1", "--plate", "粤B12345", "--vin", "LSVAU2180N2183294", "--phone", "13800138000",
               "--bay", "BAY-1", "--service", "OIL:机油保养:1", "--promised", "2026-11-25T18:00:00+08:00")
    token = opened.split()[-1]
    k("jobs", "open", "--ticket", "WO-2", "--plate", "粤A88888", "--vin", "LFV2A21K6A4012345", "--phone", "13900000000", "--bay", "BAY-2")
    log = open(data / "daemon.err", "w")
    proc = subprocess.Popen([KIOSKD, "run", "--config", str(config)], stdout=subprocess.DEVNULL, stderr=log)
    port = None
    for _ in range(300):
        m = re.search(r"port=(\d+)", (data / "daemon.err").read_text())
        if m:
            port = int(m.group(1)); break
        time.sleep(0.1)
    assert port, (data / "daemon.err").read_text()
    yield {"base": f"http://127.0.0.1:{port}", "token": token, "kioskd": k, "data": data}
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    shutil.rmtree(data, ignore_errors=True)


def browser(width, height):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    # As on a kiosk board: sound without a tap first (the counter page plays each scan's outcome).
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--window-size={width},{height}", "--lang=zh-CN",
                "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    # The page's viewport exactly as the kiosk screen, whatever the window around it.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
    return driver


def shot(driver, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def click(driver, by, selector, timeout=10):
    """Clicks an element, finding it again if a live update re-rendered it meanwhile."""
    def attempt(d):
        try:
            d.find_element(by, selector).click()
            return True
        except (StaleElementReferenceException, NoSuchElementException):
            return False
    WebDriverWait(driver, timeout).until(attempt)


def fits(driver):
    """Whether the page fits its screen with no scrolling (a kiosk has no scroll bar to use)."""
    return driver.execute_script("return [document.documentElement.scrollWidth <= innerWidth, document.documentElement.scrollHeight <= innerHeight]")


def table_rows(driver, selector, key):
    """The rows matching `selector`, each as (its `data-<key>` attribute, the text of its cells),
    read in one script: live updates replace a table's rows, and a row found in one call and read
    in the next may be gone by then."""
    return [tuple(r) for r in driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(r => "
        "[r.dataset[arguments[1]] ?? null, [...r.cells].map(c => c.innerText.trim())])", selector, key)]


def text_of(driver):
    return driver.find_element(By.TAG_NAME, "body").text


def wait_text(driver, needle, timeout=15):
    def seen(d):
        try:
            return needle in text_of(d)
        except StaleElementReferenceException:
            return False
    WebDriverWait(driver, timeout).until(seen)


# The daemon allows 10 PIN attempts a minute from one address, right ones included, and every
# page of this module comes from 127.0.0.1: a badge signed in once keeps its session cookie
# here, and a later browser of the same badge on the same daemon starts from it.
SESSIONS = {}


def sign_in(driver, url, badge, pin, shot_name=None):
    """Opens a staff page: the sign-in form comes first; after it, the page itself. A badge
    already signed in on this daemon (and not asked for the form's screenshot) reuses its
    session; if the daemon no longer knows it, the form is used."""
    origin = "/".join(url.split("/")[:3])
    driver.get(url)
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "signin-badge") or d.find_elements(By.ID, "who"))
    if (origin, badge) in SESSIONS and not shot_name:
        for cookie in SESSIONS[(origin, badge)]:
            driver.add_cookie(cookie)
        driver.get(url)
        WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "signin-badge") or d.find_elements(By.ID, "who"))
        if driver.find_elements(By.ID, "who"):
            return
        driver.delete_all_cookies()
        driver.get(url)
        WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "signin-badge"))
    if shot_name:
        shot(driver, shot_name)
    driver.find_element(By.ID, "signin-badge").send_keys(badge)
    driver.find_element(By.ID, "signin-pin").send_keys(pin + "\n")
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "who"), message=f"{badge} signed in at {url}")
    SESSIONS[(origin, badge)] = driver.get_cookies()


def test_bay_change_appears_on_lobby_and_phone(daemon):
    lobby, bay, phone = browser(1920, 1080), browser(800, 480), browser(390, 844)
    try:
        lobby.get(daemon["base"] + "/lobby")
        wait_text(lobby, "粤B·***45")
        body = text_of(lobby)
        assert "车辆已进入车间" in body and "粤A·***88" in body
        assert "13800138000" not in body and "LSVAU2180N2183294" not in body and "粤B12345" not in body
        phone.get(daemon["base"] + "/track/" + daemon["token"])
        wait_text(phone, "粤B·***45")
        shot(lobby, "lobby-1920x1080-before")

        sign_in(bay, daemon["base"] + "/bay/BAY-1", "T1", "2468", shot_name="signin-800x480")
        wait_text(bay, "粤B12345")
        assert "王师傅" in text_of(bay)
        shot(bay, "bay-800x480-checked-in")
        click(bay, By.ID, "advance")                          # checked in → diagnosing
        wait_text(bay, "诊断")
        wait_text(bay, "▶ 维修中")
        click(bay, By.ID, "advance")                          # diagnosing → repairing
        wait_text(bay, "维修中")
        WebDriverWait(bay, 10, ignored_exceptions=[StaleElementReferenceException]).until(lambda d: d.find_element(By.ID, "state").text == "维修中")
        shot(bay, "bay-800x480-repairing")
        assert not bay.find_elements(By.CSS_SELECTOR, '[data-state="cancelled"]'), "a technician is not offered cancelling"
        assert fits(bay) == [True, True], "the bay page must fit 800×480 without scrolling"

        # No reload: the lobby and the phone follow through server-sent events.
        wait_text(lobby, "正在维修")
        assert "repairing" in daemon["kioskd"]("jobs", "show", "WO-1")
        WebDriverWait(phone, 15, ignored_exceptions=[StaleElementReferenceException]).until(
            lambda d: d.find_element(By.CSS_SELECTOR, '[data-stage="repairing"]').get_attribute("class") == "on")
        shot(lobby, "lobby-1920x1080-after")
        shot(phone, "phone-390x844-repairing")

        click(lobby, By.ID, "lang")
        wait_text(lobby, "Repairing")
        assert "Service progress" in text_of(lobby)
        shot(lobby, "lobby-1920x1080-english")
    finally:
        for d in (lobby, bay, phone):
            d.quit()


def test_illegal_move_shows_reason_and_counter_scans(daemon):
    bay, counter = browser(800, 480), browser(1280, 800)
    try:
        sign_in(bay, daemon["base"] + "/bay/BAY-2", "T1", "2468")
        wait_text(bay, "粤A88888")
        daemon["kioskd"]("jobs", "move", "WO-2", "diagnosing")    # changed elsewhere: the page follows
        wait_text(bay, "诊断")
        click(bay, By.CSS_SELECTOR, '[data-state="waitingParts"]')
        wait_text(bay, "待料")
        bay.find_element(By.ID, "pn").send_keys("P1")
        click(bay, By.XPATH, "//button[@onclick='callParts()']")
        wait_text(bay, "已呼叫配件")

        bay.get(daemon["base"] + "/counter")                   # a technician may not use the counter
        wait_text(bay, "无权访问")
        sign_in(counter, daemon["base"] + "/counter", "C1", "1357")
        wait_text(counter, "WO-2")                              # the bay waiting for parts
        box = counter.find_element(By.ID, "scan")
        # Typed as a scanner types them, with no pause: the page sends them one at a time, so
        # the part is received five times over, not looked up or booked in the previous mode.
        box.send_keys("KD:CMD:RECEIVE\nKD:CMD:QTY:5\n6901234567892\n")
        wait_text(counter, "✓ 6901234567892")
        assert scans_in_store(daemon)[-3:] == [("KD:CMD:RECEIVE", 1), ("KD:CMD:QTY:5", 1), ("6901234567892", 1)], scans_in_store(daemon)
        # The part the bay waited for came in: the counter says where to take it, and the job
        # left waiting-parts, which the bay's page shows without anyone walking across.
        wait_text(counter, "已到齐，请送往 BAY-2")
        shot(counter, "counter-parts-arrived-1280x800")
        # The scan's message shows inside the scan's panel: never over the panels beside it
        # (the print queue, the alerts), whose lines the clerk reads meanwhile.
        toast, scan_panel, beside = counter.execute_script(
            "const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };"
            "const t = document.getElementById('toast');"
            "return [getComputedStyle(t).display === 'none' ? null : box(t), box(t.closest('.panel')), box(document.querySelector('.counter > div:last-child'))]")
        assert toast is not None, "the scan's message is not showing"
        assert scan_panel[0] <= toast[0] and toast[2] <= scan_panel[2] and toast[3] <= scan_panel[3], (toast, scan_panel)
        assert toast[2] <= beside[0], f"the scan's message {toast} reaches over the panels beside it {beside}"
        bay.get(daemon["base"] + "/bay/BAY-2")
        WebDriverWait(bay, 15, ignored_exceptions=[StaleElementReferenceException]).until(
            lambda d: d.find_element(By.ID, "state").text == "维修中", message="the bay page shows the job repairing")
        # The receipt printer printed the slip that goes with the part, and its code is the job's.
        printed = daemon["data"] / "printed"
        WebDriverWait(counter, 15).until(lambda d: list(printed.glob("*-parts-arrival*.png")),
                                         message="the parts-arrival slip printed to the store's receipt printer")
        slips = sorted(printed.glob("*-parts-arrival*.png"))
        codes = subprocess.run(["zbarimg", "--quiet", "--raw", *map(str, slips)], capture_output=True, text=True).stdout.split()
        assert codes == ["KD:WO:WO-2"], codes
        # Faster than any person: three scans submitted in one go, as a scanner's burst does
        # when the daemon is slow to answer.
        burst(counter, "KD:CMD:ISSUE", "KD:WO:WO-2", "6901234567892")
        WebDriverWait(counter, 15, ignored_exceptions=[StaleElementReferenceException]).until(
            lambda d: "WO-2" not in d.find_element(By.ID, "requests").text, message="the part issued to WO-2")
        assert scans_in_store(daemon)[-3:] == [("KD:CMD:ISSUE", 1), ("KD:WO:WO-2", 1), ("6901234567892", 1)], scans_in_store(daemon)
        box.send_keys("NOT-A-PART\n")
        wait_text(counter, "✗ NOT-A-PART")
        counter.find_element(By.ID, "q").send_keys("P1")
        wait_text(counter, "刹车片: 4")
        shot(counter, "counter-1280x800")
    finally:
        bay.quit()
        counter.quit()


def test_counter_yard_mode_and_new_car_alert(daemon):
    k = daemon["kioskd"]
    k("bins", "add", "Y-01")
    k("bins", "add", "Y-02")
    k("yard", "receive", "LFV2A21K6A3043255", "--model", "Sagitar", "--colour", "白", "--bin", "Y-01")
    k("yard", "safety-stock", "Sagitar", "2")                  # one car, two wanted: an alert
    counter = browser(1280, 800)
    try:
        sign_in(counter, daemon["base"] + "/counter", "C1", "1357")
        wait_text(counter, "整车 · 车型 Sagitar 可售 1 台")
        box = counter.find_element(By.ID, "scan")
        box.send_keys("KD:CMD:YARD-MOVE\nKD:BIN:Y-02\nLFV2A21K6A3043255\n")
        wait_text(counter, "车场移位")                          # the mode line knows the yard modes
        wait_text(counter, "✓ LFV2A21K6A3043255")
        assert "Y-02" in k("yard", "list")
        shot(counter, "counter-yard-1280x800")
    finally:
        counter.quit()


def test_counter_prints_bin_labels_that_scan(daemon):
    k = daemon["kioskd"]
    k("bins", "add", "L-01")
    k("bins", "add", "L-02")
    counter = browser(1280, 800)
    try:
        sign_in(counter, daemon["base"] + "/counter", "C1", "1357")
        counter.find_element(By.ID, "print-from").send_keys("L-01")
        counter.find_element(By.ID, "print-to").send_keys("L-02")
        click(counter, By.ID, "print-bins")
        wait_text(counter, "已加入打印队列")
        # The daemon's print service takes it on its own; an earlier test's ticket may already
        # show "已打印", so wait for this sheet's own file (bounded) rather than for the word.
        printed = daemon["data"] / "printed"
        deadline = time.monotonic() + 20
        while not (sheets := sorted(printed.glob("*-bins*.png"))):
            assert time.monotonic() < deadline, f"no bin sheet printed within 20 s: {sorted(p.name for p in printed.glob('*'))}"
            time.sleep(0.1)
        wait_text(counter, "已打印")
        shot(counter, "counter-printed-1280x800")
        codes = subprocess.run(["zbarimg", "--quiet", "--raw", *map(str, sheets)], capture_output=True, text=True).stdout.split()
        assert sorted(codes) == ["KD:BIN:L-01", "KD:BIN:L-02"], codes
    finally:
        counter.quit()


def test_counter_outcomes_have_their_own_colour_and_sound(daemon):
    """Each scan outcome shows in its own colour and plays its own Web Audio pattern, for scans
    typed on the page and for scans from a scanner source (here the FIFO); the keypad's
    pending quantity is shown until the part scan uses it."""
    daemon["kioskd"]("parts", "import", str(_write(daemon["data"] / "low.csv",
                     "part_number,name_zh,name_en,barcodes,bin,safety_stock\nP9,雨刮片,Wiper blade,4006381333931,A-09,10\n")))
    counter = browser(1280, 800)
    try:
        sign_in(counter, daemon["base"] + "/counter", "C1", "1357")
        box = counter.find_element(By.ID, "scan")

        def outcome_of(code):
            counter.execute_script("window.kdLastSound = null")
            box.send_keys(code + "\n")
            WebDriverWait(counter, 10, ignored_exceptions=[StaleElementReferenceException]).until(
                lambda d: d.execute_script("return window.kdLastSound"), message=f"a sound for {code}")
            toast = counter.find_element(By.ID, "toast")
            return counter.execute_script("return window.kdLastSound"), toast.get_attribute("class"), toast.value_of_css_property("background-color")

        box.send_keys("KD:CMD:RECEIVE\n")
        wait_text(counter, "入库")
        for key in ("KD:CMD:KEY:3", "KD:CMD:KEY:7"):
            box.send_keys(key + "\n")
        WebDriverWait(counter, 10).until(lambda d: "×37" in d.find_element(By.ID, "pending").text, message="the pending quantity ×37")
        shot(counter, "counter-pending-quantity-1280x800")
        seen = {}
        seen["accepted"] = outcome_of("6901234567892")
        WebDriverWait(counter, 10).until(lambda d: not d.find_element(By.ID, "pending").is_displayed(), message="the quantity used up")
        seen["accepted-low"] = outcome_of("4006381333931")
        seen["unknown-code"] = outcome_of("NOT-A-PART")
        # A mode command's own outcome is heard before the next scan is typed, so that the
        # sound awaited is the next scan's.
        assert outcome_of("KD:CMD:ISSUE")[0] == "accepted"
        seen["wrong"] = outcome_of("KD:WO:WO-404")
        assert outcome_of("KD:CMD:TRANSFER")[0] == "accepted"
        seen["refused"] = outcome_of("6901234567892")
        # The same scan id twice (a page retry): the second is a duplicate.
        result = counter.execute_async_script(
            "const done = arguments[arguments.length - 1]; window.kdLastSound = null; const id = '6d1f8c1e-0000-4000-8000-000000000001';"
            "KD.post('/api/v1/scans', {text: 'KD:CMD:LOOKUP', id}).then(() => KD.post('/api/v1/scans', {text: 'KD:CMD:LOOKUP', id}))"
            ".then(r => { announce(r.scanID + '-again', r.outcome, r.message); done([r.outcome, document.getElementById('toast').className]); })"
            ".catch(e => done(['error: ' + e, '']))")
        assert result == ["duplicate", "o-duplicate"], result
        for outcome, (sound, css, _) in seen.items():
            assert sound == outcome and css == "o-" + outcome, (outcome, sound, css)
        # A store fault: the store refuses the write (a trigger added from outside, as a full or
        # failing disk would refuse it): nothing is saved and the page says so.
        import sqlite3
        db = sqlite3.connect(daemon["data"] / "kioskd.sqlite", timeout=10)
        db.execute("CREATE TRIGGER test_store_fault BEFORE INSERT ON scan_log BEGIN SELECT RAISE(ABORT, 'disk I/O error (test)'); END")
        db.commit()
        try:
            seen["store-fault"] = outcome_of("KD:CMD:RECEIVE")
            assert "扫描未保存" in counter.find_element(By.ID, "toast").text
        finally:
            db.execute("DROP TRIGGER test_store_fault")
            db.commit()
            db.close()
        colours = {k: v[2] for k, v in seen.items() if v[2]}
        assert colours["accepted"] != colours["refused"] != colours["accepted-low"], colours
        shot(counter, "counter-outcome-refused-1280x800")

        # Scans from a scanner source reach the page through its live update, with their sounds:
        # two that arrive together are both heard, oldest first.
        counter.execute_script("window.kdSounds = []")
        with open(daemon["data"] / "scan.fifo", "w") as fifo:
            fifo.write("FROM-THE-SCANNER\nKD:CMD:LOOKUP\n")
        WebDriverWait(counter, 15).until(lambda d: d.execute_script("return window.kdSounds") == ["unknown-code", "accepted"],
                                         message="both FIFO scans' outcomes on the page, in order")
        wait_text(counter, "FROM-THE-SCANNER")
    finally:
        counter.quit()


def network(driver, online):
    """Cuts the page off from the daemon (or joins it again), as a dropped Wi-Fi link does."""
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                           {"offline": not online, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})


def receipts_of_p1(daemon):
    import sqlite3
    db = sqlite3.connect(daemon["data"] / "kioskd.sqlite", timeout=10)
    try:
        return db.execute("SELECT count(*), coalesce(sum(quantity), 0) FROM stock_movement WHERE partNumber = 'P1' AND kind = 'receive'").fetchone()
    finally:
        db.close()


def test_counter_sends_scans_again_after_a_dropped_link_once_and_in_order(daemon):
    """Scans typed while the link to the daemon is down wait on the page, which says so, and
    go when it is back: in the order typed, each booked once. Signed out, they wait for the
    clerk to sign in again and go then, with the ids they had. A mode command the daemon does
    not accept stops the scans typed after it, which the page lists to be scanned again; so
    does a scan that could not be sent for two minutes."""
    counter = browser(1280, 800)

    def unsent_text(needle, what):
        WebDriverWait(counter, 15, ignored_exceptions=[StaleElementReferenceException]).until(
            lambda d: needle in d.find_element(By.ID, "unsent").text, message=what)

    def booked_after(count, expected, what):
        WebDriverWait(counter, 20).until(lambda d: len(scans_in_store(daemon)) >= count + len(expected), message=what)
        booked = scans_in_store(daemon)[count:]
        assert booked == expected, booked

    try:
        sign_in(counter, daemon["base"] + "/counter", "C1", "1357")
        WebDriverWait(counter, 10).until(lambda d: d.execute_script("return document.getElementById('unsent').hidden"),
                                         message="no scans waiting at the start")
        scans, received = len(scans_in_store(daemon)), receipts_of_p1(daemon)
        network(counter, online=False)
        burst(counter, "KD:CMD:RECEIVE", "KD:CMD:QTY:2", "6901234567892")
        unsent_text("连接中断：3 个扫描待发送", "the page saying three scans wait for the link")
        shot(counter, "counter-link-down-1280x800")
        assert len(scans_in_store(daemon)) == scans, "nothing reached the daemon while the link was down"
        network(counter, online=True)
        booked_after(scans, [("KD:CMD:RECEIVE", 1), ("KD:CMD:QTY:2", 1), ("6901234567892", 1)], "the three waiting scans booked once the link is back")
        WebDriverWait(counter, 10).until(lambda d: d.execute_script("return document.getElementById('unsent').hidden"),
                                         message="the line about waiting scans gone")
        count, quantity = receipts_of_p1(daemon)
        assert (count, quantity) == (received[0] + 1, received[1] + 2), (received, count, quantity)

        # Signed out elsewhere: nothing is booked, the scans wait, and go after signing in.
        scans = len(scans_in_store(daemon))
        counter.delete_all_cookies()
        burst(counter, "KD:CMD:RECEIVE", "6901234567892", "KD:CMD:LOOKUP")
        unsent_text("登录已失效：请刷新页面并登录，3 个扫描将在登录后发送", "the page saying three scans wait for a sign-in")
        shot(counter, "counter-signed-out-1280x800")
        assert len(scans_in_store(daemon)) == scans, "nothing booked while signed out"
        sign_in(counter, daemon["base"] + "/counter", "C1", "1357")
        booked_after(scans, [("KD:CMD:RECEIVE", 1), ("6901234567892", 1), ("KD:CMD:LOOKUP", 1)], "the three scans booked after signing in")

        # A mode command the daemon does not take: the part after it is listed, not booked.
        scans = len(scans_in_store(daemon))
        burst(counter, "KD:CMD:NO-SUCH-COMMAND", "6901234567892")
        unsent_text("未发送，请核对后重新扫描：6901234567892", "the part after the refused command listed")
        assert [t for t, _ in scans_in_store(daemon)[scans:]] == ["KD:CMD:NO-SUCH-COMMAND"], scans_in_store(daemon)[scans:]
        # Scanned again, it leaves the list.
        burst(counter, "6901234567892")
        WebDriverWait(counter, 10).until(lambda d: "6901234567892" not in d.find_element(By.ID, "unsent").text,
                                         message="the part rescanned leaves the list")

        # A scan that waited more than two minutes (here: from before a reload) is listed, not
        # sent on its own: the counter may have moved on meanwhile.
        scans = len(scans_in_store(daemon))
        counter.execute_script("sessionStorage.setItem('kd.scans.waiting', JSON.stringify([{text: '6901234567892', "
                               "id: '6d1f8c1e-0000-4000-8000-0000000000aa', at: Date.now() - 600000, tried: true}]))")
        counter.refresh()
        unsent_text("6901234567892（可能已保存，请先查看记录）", "the old scan listed as maybe saved")
        shot(counter, "counter-not-sent-1280x800")
        assert len(scans_in_store(daemon)) == scans, "the old scan was not sent"
    finally:
        counter.quit()


def burst(driver, *codes):
    """Submits the scan box once per code, all in one turn of the page's event loop."""
    driver.execute_script("const f = document.getElementById('scanform'), box = document.getElementById('scan');"
                          "for (const code of arguments[0]) { box.value = code; f.requestSubmit(); }", list(codes))


def scans_in_store(daemon):
    """The counter's scans as the store booked them, oldest first: (text, accepted)."""
    import sqlite3
    db = sqlite3.connect(daemon["data"] / "kioskd.sqlite", timeout=10)
    try:
        return [(t, a) for t, a in db.execute("SELECT text, accepted FROM scan_log ORDER BY seq")]
    finally:
        db.close()


def _write(path, text):
    path.write_text(text)
    return path


# Every control of a page, where a finger lands on it: the element at its centre must be the
# control (nothing drawn over it, not even a message), inside the screen, at least 9 mm
# (34 CSS px at 96 px per inch) each way, and clear of the message box.
REACH = """
const toast = document.getElementById('toast');
const t = toast && getComputedStyle(toast).display !== 'none' ? toast.getBoundingClientRect() : null;
return [...document.querySelectorAll(arguments[0])].filter(e => e.offsetParent !== null).map(e => {
  const r = e.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
  const hit = document.elementFromPoint(x, y);
  const underMessage = !!t && !(r.right <= t.left || r.left >= t.right || r.bottom <= t.top || r.top >= t.bottom);
  return {control: e.id || e.getAttribute('placeholder') || e.textContent.trim(), width: Math.round(r.width), height: Math.round(r.height),
          reachable: !!hit && (hit === e || e.contains(hit)), onScreen: r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth,
          underMessage, hit: hit ? (hit.id || hit.tagName) : null};
});
"""
MIN_TOUCH = 34


@pytest.mark.parametrize("size", [(800, 480), (1024, 600)])
def test_bay_controls_reachable_while_a_message_shows(daemon, size):
    width, height = size
    bay = browser(width, height)
    try:
        sign_in(bay, daemon["base"] + "/bay/BAY-1", "T1", "2468")
        wait_text(bay, "粤B12345")
        WebDriverWait(bay, 10).until(lambda d: d.find_element(By.ID, "tools").is_displayed())
        # A message: clocking on with no badge typed is refused with a reason.
        click(bay, By.XPATH, "//button[contains(., '上工')]")
        WebDriverWait(bay, 10).until(lambda d: d.find_element(By.ID, "toast").is_displayed() and "工号" in d.find_element(By.ID, "toast").text)
        shot(bay, f"bay-{width}x{height}-message")
        controls = bay.execute_script(REACH, ".bay button, .bay input, #who button, #lang")
        assert len(controls) >= 8, controls
        bad = [c for c in controls if not c["reachable"] or not c["onScreen"] or c["underMessage"]
               or c["width"] < MIN_TOUCH or c["height"] < MIN_TOUCH]
        assert not bad, f"at {width}×{height}, controls a technician cannot reach or hit: {bad}"
        assert fits(bay) == [True, True]
    finally:
        bay.quit()


def test_phone_page_says_what_a_customer_asks(daemon):
    phone = browser(390, 844)
    try:
        phone.get(daemon["base"] + "/track/" + daemon["token"])
        wait_text(phone, "服务项目")
        body = text_of(phone)
        assert "机油保养" in body, body                       # the services booked
        assert "当前" in body and re.search(r"当前\n?(已接车|诊断|维修中|质检|待交车)", body), body   # what is being done now
        call = phone.find_element(By.ID, "call")
        assert call.get_attribute("href") == "tel:0755-88886666".replace("-", "") or call.get_attribute("href").startswith("tel:075588886666"), call.get_attribute("href")
        assert "0755-8888 6666" in call.text and "测试 4S 店" in body
        # Never a person: no customer phone, VIN or full plate.
        assert "13800138000" not in body and "LSVAU2180N2183294" not in body and "粤B12345" not in body
        controls = phone.execute_script(REACH, "#call, #lang")
        assert all(c["reachable"] and c["height"] >= MIN_TOUCH for c in controls), controls
        shot(phone, "phone-390x844-details")
        click(phone, By.ID, "lang")
        wait_text(phone, "Services booked")
        assert "Call the service desk" in text_of(phone)
        shot(phone, "phone-390x844-details-english")
    finally:
        phone.quit()


def vin_with_check_digit(vin17):
    """The VIN with its ninth character set to the ISO 3779 check digit."""
    values = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9))), **dict(zip("JKLMN", range(1, 6))),
              "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10)))}
    weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
    total = sum(values[c] * w for c, w in zip(vin17, weights)) % 11
    return vin17[:8] + ("X" if total == 10 else str(total)) + vin17[9:]


def metric(base, name):
    """One unlabelled series of `/metrics`, as the text exposition format gives it."""
    body = urllib.request.urlopen(base + "/metrics", timeout=5).read().decode()
    m = re.search(rf"^{name} (\S+)$", body, re.M)
    assert m, f"{name} is not in /metrics:\n{body[:2000]}"
    return float(m.group(1))


def wait_metric(base, name, expected, timeout=15):
    """Scrapes until the series reads `expected`; fails naming what it read last."""
    deadline, seen = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        seen = metric(base, name)
        if seen == expected:
            return
        time.sleep(0.2)
    raise AssertionError(f"{name} read {seen} for {timeout} s, waiting for {expected}")


def test_a_change_made_from_the_cli_reaches_every_page(daemon):
    """Nothing polls the store: a commit by another process (a `kioskd` command) reaches the
    bay, counter, manager, lobby and phone pages through the change stream, without a reload,
    and the next scrape of `/metrics`."""
    k = daemon["kioskd"]
    bay, counter, manager, lobby, phone = browser(800, 480), browser(1280, 800), browser(1280, 800), browser(1920, 1080), browser(390, 844)
    try:
        sign_in(bay, daemon["base"] + "/bay/BAY-3", "T1", "2468")
        sign_in(counter, daemon["base"] + "/counter", "C1", "1357")
        sign_in(manager, daemon["base"] + "/manager", "M1", "9753")
        WebDriverWait(manager, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, '#floor .chip[data-ticket="WO-1"]'))
        assert not manager.find_elements(By.CSS_SELECTOR, '#floor .chip[data-ticket="WO-3"]')
        lobby.get(daemon["base"] + "/lobby")
        wait_text(lobby, "粤B·***45")
        assert "粤D·***77" not in text_of(lobby)
        jobs_open = metric(daemon["base"], "kioskd_jobs_open")
        yard_alerts = metric(daemon["base"], "kioskd_yard_alerts_open")   # earlier tests of the module leave some

        # The bay and the lobby: a job opened at BAY-3 from the service desk's command line.
        opened = k("jobs", "open", "--ticket", "WO-3", "--plate", "粤D56677", "--vin", vin_with_check_digit("LSVAB2180N2100001"),
                   "--phone", "13700000000", "--bay", "BAY-3")
        wait_text(bay, "粤D56677")
        wait_text(lobby, "粤D·***77")
        # The manager's floor and the metrics: the new job, where it stands.
        WebDriverWait(manager, 15, ignored_exceptions=[StaleElementReferenceException]).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, '#floor .chip[data-ticket="WO-3"]'),
            "WO-3 never reached the manager's floor")
        wait_metric(daemon["base"], "kioskd_jobs_open", jobs_open + 1)

        # The phone: the job moved on from the command line.
        phone.get(daemon["base"] + "/track/" + opened.split()[-1])
        wait_text(phone, "粤D·***77")
        k("jobs", "next", "WO-3")
        k("jobs", "next", "WO-3")                          # diagnosing → repairing
        WebDriverWait(phone, 15, ignored_exceptions=[StaleElementReferenceException]).until(
            lambda d: d.find_element(By.CSS_SELECTOR, '[data-stage="repairing"]').get_attribute("class") == "on")
        WebDriverWait(bay, 15, ignored_exceptions=[StaleElementReferenceException]).until(lambda d: d.find_element(By.ID, "state").text == "维修中")

        # The counter: a scan typed at the command line, and a yard alert (the yard was
        # left out of the old fingerprint, so a yard change never refreshed this page).
        k("scan", "6901234567892")
        wait_text(counter, "6901234567892")
        k("bins", "add", "Y-09")
        k("yard", "receive", vin_with_check_digit("LFV2A21K6A3043299"), "--model", "Lavida", "--colour", "黑", "--bin", "Y-09")
        k("yard", "safety-stock", "Lavida", "3")
        wait_text(counter, "车型 Lavida 可售 1 台")
        shot(counter, "counter-1280x800-after-cli")
        # The yard alert on the manager's page and in the metrics.
        wait_text(manager, "Lavida")
        wait_metric(daemon["base"], "kioskd_yard_alerts_open", yard_alerts + 1)
        shot(manager, "manager-1280x800-after-cli")
    finally:
        for d in (bay, counter, manager, lobby, phone):
            d.quit()


def test_customer_approves_the_quote_on_the_phone_page(daemon):
    """The advisor quotes extra work from the command line; the customer sees the items and the
    total on the phone page and approves with one tap; the job moves on, and the bay and
    counter pages say the customer approved, without a reload."""
    k = daemon["kioskd"]
    token = k("jobs", "open", "--ticket", "WO-Q", "--plate", "粤B66666", "--vin", "LSVAU2180N2183294", "--phone", "13700000000",
              "--bay", "BAY-Q", "--service", "BRAKE:刹车检查:1").split()[-1]
    k("jobs", "move", "WO-Q", "diagnosing")
    phone, bay, counter = browser(390, 844), browser(800, 480), browser(1280, 800)
    try:
        sign_in(bay, daemon["base"] + "/bay/BAY-Q", "T1", "2468")
        sign_in(counter, daemon["base"] + "/counter", "C1", "1357")
        phone.get(daemon["base"] + "/track/" + token)
        wait_text(phone, "服务项目")
        k("jobs", "quote", "WO-Q", "--line", "更换前刹车片:680", "--line", "工时:200.50")
        wait_text(phone, "增项报价")
        box = phone.find_element(By.ID, "quote").text
        assert "更换前刹车片" in box and "¥680.00" in box and "¥200.50" in box and "¥880.50" in box, box
        assert "13700000000" not in text_of(phone) and "粤B66666" not in text_of(phone)
        controls = phone.execute_script(REACH, "#approve, #decline")
        assert len(controls) == 2 and all(c["reachable"] and c["height"] >= MIN_TOUCH for c in controls), controls
        wait_text(bay, "等待客户确认")
        shot(phone, "phone-390x844-quote")
        shot(bay, "bay-800x480-quote-waiting")
        click(phone, By.ID, "approve")
        wait_text(phone, "您已同意")
        WebDriverWait(phone, 15, ignored_exceptions=[StaleElementReferenceException]).until(
            lambda d: d.find_element(By.CSS_SELECTOR, '[data-stage="repairing"]').get_attribute("class") == "on")
        assert phone.find_elements(By.ID, "approve") == [], "answered: no buttons left"
        shot(phone, "phone-390x844-quote-approved")
        wait_text(bay, "客户已同意")
        WebDriverWait(bay, 15, ignored_exceptions=[StaleElementReferenceException]).until(lambda d: d.find_element(By.ID, "state").text == "维修中")
        assert fits(bay) == [True, True], fits(bay)
        shot(bay, "bay-800x480-quote-approved")
        wait_text(counter, "客户已同意")
        quotes = counter.find_element(By.ID, "quotes").text
        assert "BAY-Q" in quotes and "WO-Q" in quotes and "¥880.50" in quotes and "更换前刹车片" in quotes, quotes
        shot(counter, "counter-1280x800-quote-approved")
    finally:
        for d in (phone, bay, counter):
            d.quit()


def test_counter_lists_the_job_moves_the_hub_refused(daemon):
    """A refused job move (two bays moved the same job) is listed on the counter page with the
    state the job took and why; the reason is shown as text, never as markup."""
    import sqlite3
    counter = browser(1280, 800)
    try:
        sign_in(counter, daemon["base"] + "/counter", "C1", "1357")
        db = sqlite3.connect(daemon["data"] / "kioskd.sqlite", timeout=10)
        try:
            db.execute("INSERT OR IGNORE INTO kiosk_meta (name, value) VALUES ('sync_outbox', 'on')")
            db.execute("INSERT INTO sync_refusal (eventID, ticketCode, reason, hubState, hubStateSince, at) VALUES (?, 'WO-2', ?, 'repairing', NULL, ?)",
                       (os.urandom(16), "工单已在门店主机上转到维修中 / moved on at the hub <b>by bay 1</b>", "2026-12-03 10:00:00.000"))
            db.commit()
        finally:
            db.close()
        wait_text(counter, "moved on at the hub <b>by bay 1</b>")
        text = counter.find_element(By.ID, "refusals").text
        assert "WO-2 → 维修中" in text, text
        assert "门店主机拒绝的工单操作 1" in counter.find_element(By.ID, "sync").text
        assert counter.find_elements(By.CSS_SELECTOR, "#refusals b") == [], "the reason is escaped"
        shot(counter, "counter-refusals-1280x800")
        assert fits(counter) == [True, True], fits(counter)
    finally:
        counter.quit()


def test_counter_shows_a_sister_stores_carton_and_receives_it_by_its_label(daemon):
    """A carton a sister store shipped here (as the board pulled it from its hub) is listed as
    in transit; scanning its SSCC label in RECEIVE mode books it whole and takes it off the list."""
    import sqlite3
    sscc = "069012340000000429"
    counter = browser(1280, 800)
    try:
        sign_in(counter, daemon["base"] + "/counter", "C1", "1357")
        db = sqlite3.connect(daemon["data"] / "kioskd.sqlite", timeout=10)
        try:
            db.execute("""INSERT INTO store_transfer (sscc, fromStore, toStore, incoming, partNumber, quantity, fromBin, shippedAt, shippedBy, shipMovementKey)
                          VALUES (?, 'guangzhou', 'web-test', 1, 'P1', 4, 'A-01', '2026-12-04 09:00:00.000', 'C9', ?)""", (sscc, os.urandom(16)))
            db.commit()
        finally:
            db.close()
        wait_text(counter, "SSCC " + sscc)
        panel = counter.find_element(By.ID, "transfers-panel")
        assert panel.is_displayed() and "← guangzhou · P1×4" in panel.text, panel.text
        shot(counter, "counter-carton-in-transit-1280x800")
        assert fits(counter) == [True, True], fits(counter)
        box = counter.find_element(By.ID, "scan")
        for text in ["KD:CMD:RECEIVE", "]C100" + sscc]:
            box.send_keys(text + "\n")
        wait_text(counter, "received transfer " + sscc)
        WebDriverWait(counter, 10).until(lambda d: not d.find_element(By.ID, "transfers-panel").is_displayed(),
                                         "the carton did not leave the in-transit list within 10 s")
        shot(counter, "counter-carton-received-1280x800")
    finally:
        counter.quit()


def test_counter_receives_a_delivery_against_its_purchase_order(daemon):
    """The clerk scans RECEIVE, the order's sheet and the parts: the receiving panel shows each
    line ordered, received and to come; CLOSE reports the shortfall, and `kioskd po show` agrees."""
    k = daemon["kioskd"]
    k("po", "create", "--number", "PO-WEB", "--supplier", "广汽配件", "--line", "P1:3:35")
    counter = browser(1280, 800)
    try:
        sign_in(counter, daemon["base"] + "/counter", "C1", "1357")
        box = counter.find_element(By.ID, "scan")
        # The log is redrawn as scans come: read its newest line in one step.
        newest = lambda d: d.execute_script("const e = document.querySelector('#log > div'); return e ? e.textContent : ''")
        for text in ["KD:CMD:RECEIVE", "KD:PO:PO-WEB", "6901234567892", "6901234567892"]:
            before = newest(counter)
            box.send_keys(text + "\n")
            # One scan at a time: each heads the log (its message differs: on hand grows) before the next is typed.
            WebDriverWait(counter, 10).until(lambda d: newest(d) != before and text in newest(d),
                                             f"{text} did not reach the scan log within 10 s")
        WebDriverWait(counter, 15).until(lambda d: d.find_element(By.ID, "receiving-panel").is_displayed()
                                         and [cells[2:3] for _, cells in table_rows(d, "#receiving-lines tr[data-part='P1']", "part")] == [["2"]],
                                         "the receiving panel did not show 2 of P1 received within 15 s")
        cells = table_rows(counter, "#receiving-lines tr[data-part='P1']", "part")[0][1]
        assert cells[:4] == ["P1", "3", "2", "1"], cells
        assert "广汽配件" in counter.find_element(By.ID, "receiving-panel").text
        shot(counter, "counter-receiving-1280x800")
        assert fits(counter) == [True, True], fits(counter)
        box.send_keys("KD:CMD:CLOSE\n")
        wait_text(counter, "1 lines differ")
        WebDriverWait(counter, 10).until(lambda d: not d.find_element(By.ID, "receiving-panel").is_displayed(),
                                         "the receiving panel did not close within 10 s")
        shown = k("po", "show", "PO-WEB")
        assert "P1\t3\t2\t0\t1\t0" in shown, shown
    finally:
        counter.quit()


@pytest.fixture(scope="module")
def demo():
    """The demo store (`kioskd demo`): three bays with jobs and clocked hours over the morning.
    Filled first with --no-run (its tour, with the PINs, printed in full), then run."""
    data = Path(tempfile.mkdtemp(prefix="kioskd-demo-web-"))
    tour = subprocess.run([KIOSKD, "demo", "--data-dir", str(data / "demo"), "--no-run"], check=True, capture_output=True, text=True, timeout=60).stdout
    log = open(data / "demo.err", "w")
    proc = subprocess.Popen([KIOSKD, "demo", "--data-dir", str(data / "demo"), "--listen", "127.0.0.1:0"],
                            stdout=subprocess.DEVNULL, stderr=log)
    port = None
    deadline = time.time() + 60
    while time.time() < deadline and port is None:
        m = re.search(r"port=(\d+)", (data / "demo.err").read_text())
        if m:
            port = int(m.group(1))
        time.sleep(0.1)
    assert port, "the demo daemon did not listen within 60 s: " + (data / "demo.err").read_text()[-2000:]
    config = str(next((data / "demo").glob("*.toml")))
    yield {"base": f"http://127.0.0.1:{port}", "config": config, "tour": tour}
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)
    shutil.rmtree(data, ignore_errors=True)


def demo_pin(demo, badge):
    """The demo store's PIN of `badge`, from the tour it printed."""
    m = re.search(rf"{badge}\s+\S+\s+\S+\s+\S+\s+PIN (\d{{4}})", demo["tour"])
    assert m, demo["tour"]
    return m.group(1)


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)])
def test_manager_page_shows_the_floor_and_the_figures_of_the_cli(demo, size):
    """The service and parts managers' page on the hub: open jobs by bay and state, time against
    standard hours, efficiency and utilisation as charts the server drew (inline SVG), alerts and
    parts waiting, the boards; the technicians' figures are those `kioskd jobs report` prints
    for the same window. A technician is refused."""
    width, height = size
    page = browser(width, height)
    try:
        # A technician is refused the manager's page, with the reason.
        page.get(demo["base"] + "/manager?period=week")
        WebDriverWait(page, 10).until(lambda d: d.find_elements(By.ID, "signin-badge"))
        page.find_element(By.ID, "signin-badge").send_keys("T01")
        page.find_element(By.ID, "signin-pin").send_keys(demo_pin(demo, "T01") + "\n")
        wait_text(page, "无权使用此功能")
        page.delete_all_cookies()
        sign_in(page, demo["base"] + "/manager?period=week", "M01", demo_pin(demo, "M01"))
        wait_text(page, "在修车辆")
        WebDriverWait(page, 15).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#floor .chip"))
        floor = page.find_element(By.ID, "floor").text
        for bay in ("BAY-1", "BAY-2", "BAY-3"):
            assert bay in floor, floor
        charts = page.find_elements(By.CSS_SELECTOR, "#efficiency-chart svg rect.chart-bar, #utilisation-chart svg rect.chart-bar")
        assert len(charts) >= 4, f"{len(charts)} bars drawn"
        assert page.execute_script("return document.querySelectorAll('script[src], link[href], img[src^=http]').length") == 0, "nothing from outside"
        # The same figures as the command line, for the same window.
        window = page.execute_script("return fetch('/api/v1/manager?period=week').then(r => r.json())")
        start = window["from"].replace(".000", "")
        csv = subprocess.run([KIOSKD, "jobs", "report", "--csv", "technicians", "--from", start, "--config", demo["config"]],
                             check=True, capture_output=True, text=True).stdout.strip().splitlines()[1:]
        shown = [",".join([badge, cells[1], cells[2], "" if cells[3] == "—" else cells[3]])
                 for badge, cells in table_rows(page, "#technician-figures tbody tr", "badge")]
        assert sorted(shown) == sorted(csv), (shown, csv)
        waiting = page.find_element(By.ID, "waiting").text
        assert "45022-TBA-A00" in waiting and "雅阁" in waiting, waiting
        shot(page, f"manager-{width}x{height}")
    finally:
        page.quit()


@pytest.mark.skipif(not os.environ.get("KIOSKD_TEST_POSTGRES"), reason="set KIOSKD_TEST_POSTGRES (scripts/test-postgres)")
def test_manager_page_lists_the_chain_stores():
    """At a hub whose ledger the chain shares, the manager's page lists every store: units and
    value at cost, the carton on its way from here to the sister store, the standing alerts."""
    server = os.environ["KIOSKD_TEST_POSTGRES"]
    data = Path(tempfile.mkdtemp(prefix="kioskd-web-chain-"))
    name = "kd_web_chain_" + os.urandom(3).hex()
    psql = lambda url, sql: subprocess.run(["psql", "-q", "-t", "-A", url, "-c", sql], check=True, capture_output=True, text=True).stdout.strip()
    psql(server, f"CREATE DATABASE {name}")
    ledger = server.rsplit("/", 1)[0] + "/" + name
    procs = []
    try:
        def hub(store, csv):
            config = data / f"{store}.toml"
            config.write_text(f'[device]\nid = "{store}-hub"\ndata_dir = "{data / store}"\nrole = "hub"\n[web]\nlisten = "127.0.0.1:0"\n'
                              f'[hub]\nledger = "{ledger}"\nstore_id = "{store}"\ngs1_company_prefix = "6901234"\n[backup]\nenabled = false\n')
            k = lambda *args, stdin=None: subprocess.run([KIOSKD, *args, "--config", str(config)], check=True, capture_output=True, text=True, input=stdin).stdout
            (data / f"{store}.csv").write_text(csv)
            k("parts", "import", str(data / f"{store}.csv"))
            log = data / f"{store}.err"
            procs.append(subprocess.Popen([KIOSKD, "run", "--config", str(config)], stdout=subprocess.DEVNULL, stderr=open(log, "w")))
            deadline = time.time() + 30
            while time.time() < deadline and not re.search(r"port=(\d+)", log.read_text()):
                time.sleep(0.1)
            port = re.search(r"port=(\d+)", log.read_text())
            assert port, f"{store}'s hub did not listen within 30 s: " + log.read_text()[-2000:]
            return k, f"http://127.0.0.1:{port.group(1)}"
        gz, base = hub("guangzhou", "part_number,name_zh,name_en,barcodes,bin,safety_stock,unit_cost\nP1,刹车片,Brake pad,6901234567892,A-01,8,68.50\n")
        sz, _ = hub("shenzhen", "part_number,name_zh,name_en,barcodes,bin\nP1,刹车片,Brake pad,6901234567892,A-01\n")
        gz("scan", "KD:CMD:RECEIVE", "KD:CMD:QTY:10", "6901234567892")
        sz("scan", "KD:CMD:RECEIVE", "6901234567892")
        deadline = time.time() + 20
        while time.time() < deadline and psql(ledger, "SELECT count(*) FROM ledger_store") != "2":
            time.sleep(0.1)
        assert psql(ledger, "SELECT count(*) FROM ledger_store") == "2", "both stores did not push to the ledger within 20 s"
        gz("transfers", "ship", "--part", "P1", "--quantity", "4", "--to", "shenzhen")
        gz("staff", "add", "M1", "王经理", "--with-pin", "--role", "manager", stdin="2468\n")
        page = browser(1280, 800)
        try:
            sign_in(page, base + "/manager", "M1", "2468")
            WebDriverWait(page, 20).until(lambda d: "¥411.00" in d.find_element(By.ID, "chain").text,
                                          "the chain's report did not show Guangzhou's stock at cost within 20 s")
            read_rows = lambda: {store: " ".join(cells) for store, cells in table_rows(page, "#chain-figures tbody tr", "store")}
            try:
                WebDriverWait(page, 20).until(lambda d: set(read_rows()) == {"guangzhou", "shenzhen"}
                                              and "1 箱" in read_rows()["shenzhen"])
            except TimeoutException:
                raise AssertionError(f"the chain's table did not list both stores and the carton within 20 s: {read_rows()}")
            rows = read_rows()
            assert "1 箱 · 4 · ¥274.00" in rows["guangzhou"] and "P1 6/8" in rows["guangzhou"], rows["guangzhou"]
            assert "1 箱 · 4 · ¥274.00" in rows["shenzhen"] and "1 种无成本价" in rows["shenzhen"], rows["shenzhen"]
            page.execute_script("document.getElementById('chain-panel').scrollIntoView()")
            shot(page, "manager-chain-1280x800")
            assert fits(page) == [True, True], fits(page)
        finally:
            page.quit()
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=20)
        psql(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(data, ignore_errors=True)
