"""The leader cockpit in a real browser: the charts draw, and a filter redraws them."""

import re

from playwright.sync_api import expect

from tests.browser.conftest import shot, sign_in

# How many distinct colours a chart's canvas holds (1 means blank or a flat fill).
CANVAS_COLOURS = """(selector) => {
  const canvas = document.querySelector(selector + ' canvas');
  if (!canvas || !canvas.width || !canvas.height) { return 0; }
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const seen = new Set();
  for (let i = 0; i < data.length; i += 16) {
    seen.add((data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3]);
    if (seen.size > 50) { break; }
  }
  return seen.size;
}"""
FUNNEL = "#figures [data-chart]:first-of-type"


def test_the_charts_draw(page):
    sign_in(page)
    page.goto("/cockpit")
    expect(page.locator("h1")).to_have_text("领导驾驶舱")
    charts = page.locator("#figures [data-chart]")
    expect(charts).to_have_count(4)
    for index in range(4):
        expect(charts.nth(index)).to_have_attribute("data-chart-ready", "1")
        expect(charts.nth(index).locator("canvas")).to_have_count(1)
    colours = page.evaluate("""(count) => {
      const found = [];
      document.querySelectorAll('#figures [data-chart]').forEach((el, i) => {
        const canvas = el.querySelector('canvas');
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        const seen = new Set();
        for (let j = 0; j < data.length; j += 16) {
          seen.add((data[j] << 24) | (data[j + 1] << 16) | (data[j + 2] << 8) | data[j + 3]);
        }
        found.push(seen.size);
      });
      return found;
    }""", 4)
    assert all(n > 5 for n in colours), colours
    shot(page, "cockpit-01-charts")


def test_changing_a_filter_redraws_the_figures(page):
    sign_in(page)
    page.goto("/cockpit")
    # The four projects of the seed, all at 接洽 when this runs.
    funnel_table = page.locator("[data-testid=funnel-table] tbody tr").first
    expect(funnel_table).to_contain_text("4")
    before = page.locator("#figures [data-chart]").first.get_attribute("data-chart")
    page.select_option("#f-county", "houma")
    expect(page).to_have_url(re.compile(r"county=houma"))
    expect(page.locator("[data-testid=county-table] tbody tr")).to_have_count(1)
    # The header's export follows the filters (an out-of-band swap).
    expect(page.locator("#cockpit-export")).to_have_attribute("href", re.compile("county=houma"))
    expect(page.locator("[data-testid=county-table]")).to_contain_text("侯马市")
    first = page.locator("#figures [data-chart]").first
    expect(first).to_have_attribute("data-chart-ready", "1")
    after = first.get_attribute("data-chart")
    assert before != after
    assert '"values": [1, 0, 0, 0, 0, 0, 0]' in after or '"values":[1,0,0,0,0,0,0]' in after
    assert page.evaluate(CANVAS_COLOURS, "#figures [data-chart]") > 5
    # Every chart was drawn afresh on the swapped content, none left behind.
    assert page.evaluate("""() => Array.from(document.querySelectorAll('[data-chart]'))
        .every((el) => window.echarts.getInstanceByDom(el))""")
    shot(page, "cockpit-02-filtered")
