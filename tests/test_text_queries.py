"""The shared queries over knowledge read from product text, on LadybugDB and on a real Neo4j server."""
from __future__ import annotations

import textwrap

from kgmine.config import load_config

CATALOG = """\
product_id,title,description,category_path
p1,"Trailhead Merino Wool Hiking Socks - Black, Size 42","Made of merino wool. Pack of 3 pairs.",Apparel > Outdoor
p2,"Trailhead Ripstop Nylon Rain Jacket, Navy, XL","This jacket is made of ripstop nylon.",Apparel > Outdoor
p3,"Cascade Walnut Side Table 50 x 40 x 55 cm","A side table in solid walnut. Weight: 8.5 kg.",Home > Furniture
p4,"Cascade Oak Bookshelf, 180 cm","The shelf is made from oak wood.",Home > Furniture
p5,"Voltix Silicone Phone Case for iPhone 12, Red","This case is compatible with iPhone 12.",Electronics > Phone Accessories
p6,"Voltix USB-C Wall Charger 20W, White","Compatible with Samsung Galaxy S21.",Electronics > Phone Accessories
p7,"iPhone 12 64GB, Blue","The iPhone 12 smartphone.",Electronics > Phones
p8,"Lumen Stainless Steel Water Bottle 750 ml","A striped bottle for daily use.",Home > Kitchen
p9,"Lumen Ceramic Coffee Mug 350 ml, Grey","This mug is part of the Nordic Living collection.",Home > Kitchen
p10,"Kids Cotton T-Shirt, Floral, Pink","Soft tee for girls, 2-pack.",Apparel > Kids
p11,"Voltix Leather Phone Case for iPhone 12, Brown","The case features a raised bezel. It is compatible with iPhone 12.",Electronics > Phone Accessories
p12,"Voltix Clear Phone Case for Samsung Galaxy S21","The case features a raised bezel and comes with a screen protector.",Electronics > Phone Accessories
p13,"Voltix Wireless Charging Pad 15W, Black","The pad comes with a USB-C cable. Works with the Samsung Galaxy S21.",Electronics > Phone Accessories
p14,"Trailhead Merino Wool Beanie, Grey","This beanie is made of merino wool.",Apparel > Outdoor
"""
PURCHASES = [("u1", "p1"), ("u1", "p2"), ("u1", "p14"), ("u2", "p5"), ("u2", "p11"), ("u3", "p11"), ("u3", "p12"),
             ("u4", "p11"), ("u4", "p12"), ("u4", "p13"), ("u5", "p12"), ("u5", "p14")]
ORDERS = "user_id,product_id,timestamp\n" + "".join(
    f"{u},{p},{1700000000 + 100 * i}\n" for i, (u, p) in enumerate(PURCHASES))


def _config(tmp_path):
    (tmp_path / "catalog.csv").write_text(CATALOG)
    (tmp_path / "orders.csv").write_text(ORDERS)
    (tmp_path / "shop.yaml").write_text(textwrap.dedent(f"""\
        name: text-shop
        data:
          kind: tabular
          options: {{catalog: {tmp_path / 'catalog.csv'}, interactions: {tmp_path / 'orders.csv'}}}
        extract: {{reviews: false, relations: {{min_confidence: 0.0}}}}
        mine: {{rules: {{enabled: false}}, clusters: {{enabled: false}}, analytics: {{enabled: false}}}}
        recommend: {{enabled: false}}
        report: {{enabled: false}}
        """))
    return load_config(tmp_path / "shop.yaml")
