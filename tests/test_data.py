"""The embedded tables are complete and consistent with the national figures."""

from sim.io import embedded


def test_las_and_districts():
    geo = embedded.england()
    assert geo.n_la == 153
    assert 81_600 <= geo.las["cla_2025"].sum() <= 81_800  # 81,766 + City of London carried
    assert (geo.d_start[1:] - geo.d_start[:-1] > 0).all()  # every LA has a district
    assert set(geo.las.loc[geo.las["rcc_pathfinder"] == "greater_manchester", "la_name"]) >= {
        "Manchester",
        "Bury",
        "Wigan",
    }
    assert (geo.las["rcc_pathfinder"] == "south_east").sum() == 19


def test_supply_tables():
    homes = embedded.homes()
    mainstream = homes[(homes["kind"] == "home") & (homes["short_break"] == 0)]
    assert 2_800 <= len(mainstream) <= 3_100
    assert (homes["kind"] == "secure").sum() == 13
    assert len(embedded.ifas()) == 328
    t = embedded.targets()
    assert (
        float(t.loc[(t["name"] == "cla_stock_31mar") & (t["year"] == "2025"), "value"].iloc[0])
        == 81770
    )
    for name in ("las.csv", "homes.csv", "districts.csv"):
        first = (embedded.DATA / name).read_text().splitlines()[0]
        assert first.startswith("# source:")
