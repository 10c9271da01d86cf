"""What a person does in the staff workspace, in a real browser."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import shot, sign_in


def test_sign_in_shows_the_name_in_the_top_bar(page):
    page.goto("/login")
    shot(page, "01-login")
    sign_in(page)
    page.goto("/projects")
    expect(page.locator(".zs-topbar")).to_contain_text("王芳")


def test_filter_the_list_then_go_back(page):
    sign_in(page)
    page.goto("/projects")
    expect(page.locator("#results tbody")).to_contain_text("宁远电池项目")
    expect(page.locator("#results tbody")).to_contain_text("高端液压件生产线")
    page.select_option("#f-chain", "hydraulics")
    page.click("#project-query button[type=submit]")
    expect(page).to_have_url(re.compile(r"chain=hydraulics"))
    expect(page.locator("#results tbody")).not_to_contain_text("宁远电池项目")
    expect(page.locator("[data-testid=summary]")).to_contain_text("共 1 个项目")
    shot(page, "02-list-filtered")
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"chain=hydraulics"))
    expect(page.locator("#results tbody")).to_contain_text("宁远电池项目")


def test_active_search_by_pinyin_initials(page):
    sign_in(page)
    page.goto("/projects")
    page.locator("#f-q").press_sequentially("nydc", delay=50)
    expect(page).to_have_url(re.compile(r"q=nydc"))
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results tbody")).to_contain_text("宁远电池项目")


def test_switch_to_english(page):
    sign_in(page)
    page.goto("/account")
    page.select_option("select[name=language]", "en")
    page.click("form[action='/account/language'] button[type=submit]")
    page.goto("/projects")
    expect(page.locator("h1")).to_have_text("Projects")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    shot(page, "03-list-english")
    page.goto("/account")
    page.select_option("select[name=language]", "zh_CN")
    page.click("form[action='/account/language'] button[type=submit]")


def test_creating_a_project_warns_about_a_duplicate_investor(page):
    sign_in(page)
    page.goto("/projects/new")
    page.locator("#f-investor-name").press_sequentially("宁远新能源科技 有限公司", delay=20)
    duplicates = page.locator("#duplicates")
    expect(duplicates).to_contain_text("宁远电池项目")
    expect(duplicates).to_contain_text("尧都区")
    shot(page, "04-new-project-duplicate")


def test_the_investor_tab_loads_the_contacts(page):
    sign_in(page)
    page.goto("/projects/1")
    page.get_by_role("tab", name="投资方与联系人").click()
    expect(page.locator("#contacts-1 table")).to_be_visible()
    expect(page.locator("#contacts-1")).to_contain_text("暂无数据")

def test_advance_without_evidence_shows_why_then_with_evidence_moves(page):
    sign_in(page)
    page.goto("/projects/1/advance?to_stage=signed")
    form = page.locator("#advance-form-1")
    form.locator("button[type=submit]").first.click()
    expect(page.locator("#advance-form-1")).to_contain_text("须填写协议编号")
    shot(page, "05-advance-refused")
    form = page.locator("#advance-form-1")
    form.locator("[name=agreement_no]").fill("LFXY-2026-088")
    form.locator("[name=agreed_amount]").fill("120000")
    form.locator("button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/projects/1(\?.*)?$"))
    expect(page.locator("body")).to_contain_text("LFXY-2026-088")
    expect(page.locator(".stage-signed").first).to_be_visible()
    shot(page, "06-advanced-to-signed")


def test_reassign_the_leader_with_a_reason(page):
    sign_in(page)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/projects/1/leader")
    form = page.locator("#leader-form-1")
    select = form.locator("select[name=leader_id]")
    option = select.locator("option", has_text="崔元斌").first.get_attribute("value")
    select.select_option(option)
    form.locator("[name=reason]").fill("工作分工调整")
    form.locator("button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/projects/1(\?.*)?$"))
    expect(page.locator("body")).to_contain_text("工作分工调整")
    expect(page.locator("body")).to_contain_text("崔元斌")
    shot(page, "07-leader-reassigned")


def test_the_list_fits_a_phone_screen(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="zh-CN",
                                  viewport={"width": 375, "height": 740})
    phone = context.new_page()
    sign_in(phone)
    phone.goto("/projects")
    expect(phone.locator("#results tbody")).to_contain_text("宁远电池项目")
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
    shot(phone, "08-list-phone")
    context.close()


def test_move_a_card_forward_by_its_menu_and_back_by_dragging(page):
    """Either way the server's form opens in a dialog: forward the advance form, back the
    move-back form with its reason; saving moves the card, cancelling puts it back."""
    sign_in(page)
    page.goto("/projects/kanban")
    contact = page.locator(".zs-kanban-list[data-stage=contact]")
    intent = page.locator(".zs-kanban-list[data-stage=intent]")
    card = contact.locator(".zs-kanban-card", has_text="看板风电装备项目")
    card.locator("select[name=to_stage]").select_option("intent")
    card.locator(".zs-kanban-move button[type=submit]").click()
    dialog = page.locator("#kanban-modal")
    expect(dialog).to_be_visible()
    expect(dialog.locator("form")).to_contain_text("推进阶段")
    shot(page, "kanban-advance-dialog")
    dialog.locator("form button[type=submit]").click()
    expect(dialog).to_be_hidden()
    moved = intent.locator(".zs-kanban-card", has_text="看板风电装备项目")
    expect(moved).to_be_visible()

    # Dragged back, then cancelled: the card returns to where it was.
    page.wait_for_load_state("networkidle")  # the refreshed board is bound for dragging
    moved.drag_to(contact)
    expect(dialog).to_be_visible()
    expect(dialog.locator("form")).to_contain_text("退回原因")
    dialog.locator("form a", has_text="取消").click()
    expect(dialog).to_be_hidden()
    expect(intent.locator(".zs-kanban-card", has_text="看板风电装备项目")).to_be_visible()

    # Dragged back with a reason: saved, the board shows it in 接洽 again.
    intent.locator(".zs-kanban-card", has_text="看板风电装备项目").drag_to(contact)
    expect(dialog.locator("form")).to_contain_text("退回原因")
    empty = dialog.locator("form button[type=submit]")
    empty.click()
    expect(dialog.locator(".invalid-feedback, .alert")).not_to_have_count(0)
    dialog.locator("textarea[name=reason]").fill("企业决策层调整，重新接洽")
    shot(page, "kanban-back-dialog")
    dialog.locator("form button[type=submit]").click()
    expect(dialog).to_be_hidden()
    expect(contact.locator(".zs-kanban-card", has_text="看板风电装备项目")).to_be_visible()


def test_editing_the_investor_to_another_companys_credit_code_says_so_in_place(page):
    sign_in(page)
    page.goto("/projects/2")
    page.get_by_role("link", name="编辑投资方").click()
    form = page.locator("#investor-form-2")
    form.locator("[name=credit_code]").fill("91140100MA0K9ABC10")
    form.locator("button[type=submit]").click()
    expect(page.locator("#investor-form-2")).to_contain_text(
        "已有其他投资方使用该统一社会信用代码：宁远新能源科技有限公司")
    expect(page).to_have_url(re.compile(r"/projects/2/investor/edit$"))
    shot(page, "09-investor-edit-refused")


def test_a_contact_is_added_in_the_investor_tab_then_removed(page):
    sign_in(page)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/projects/3?tab=investor")
    form = page.locator("#contact-form-new")
    form.locator("[name=name]").fill("张经理")
    form.locator("[name=phone]").fill("13912345678")
    form.locator("button[type=submit]").click()
    contacts = page.locator("#contacts-3")
    expect(contacts).to_contain_text("张经理")
    expect(contacts).to_contain_text("13912345678")  # 王芳 reported it: shown in full
    contacts.get_by_role("button", name="删除").click()
    expect(page.locator("#contacts-3")).to_contain_text("暂无数据")
