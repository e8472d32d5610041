import json
import pytest
from tests.factories import ProductFactory

def test_probe(api, business, other_business):
    p = ProductFactory(business=business)
    r = api.get(f"/api/v1/products/{p.pk}/")
    print(json.dumps(r.json(), indent=1))
    r = api.post("/api/v1/products/", {"sku": p.sku, "name": "x", "kind": "physical_good"})
    print(r.status_code, r.json())
    r = api.post("/api/v1/products/", {"sku": "n1", "name": "x", "kind": "physical_good", "service_type": ""})
    print(r.status_code, r.content[:300])
    r = api.post("/api/v1/products/", {"sku": "n2", "name": "x", "kind": "physical_good", "bundle_kind": ""})
    print(r.status_code, r.content[:300])
    r = api.post("/api/v1/products/", {"sku": "n3", "name": "x", "kind": "physical_good", "prices": [{"currency": "XYZ", "amount": "1"}, {"currency": "eur", "amount": "-1"}]})
    print(r.status_code, r.content[:300])
