"""GET /api/v1/lookups/{kind}: every list, codes with Chinese and English names."""

import pytest

from tests.conftest import bearer


@pytest.mark.parametrize("kind", ["regions", "chains", "counties", "stages", "methods",
                                  "categories", "zones"])
def test_lookups_list_codes_with_names(client, token, kind):
    response = client.get(f"/api/v1/lookups/{kind}", headers=bearer(token))
    assert response.status_code == 200
    items = response.json()["items"]
    assert items and all(i["code"] and i["name"] and i["name_en"] for i in items)
    if kind == "chains":
        assert all(isinstance(i["links"], list) for i in items)
        assert any(link["code"].startswith("pv.") for i in items for link in i["links"])
    if kind == "regions":
        assert any(i["code"] == "jjj" and i["name"] == "京津冀" for i in items)
    if kind == "stages":
        assert items[0]["code"] == "contact" and items[0]["name"] == "接洽"
    assert client.get("/api/v1/lookups/planets", headers=bearer(token)).status_code == 422
