#!/usr/bin/env python3
"""Rebuild data/airports.csv and data/countries.csv from the airportsdata and iso3166 packages.

    pip install airportsdata iso3166 && python3 scripts/refresh-reference-data.py
"""
import csv
import os
import airportsdata
import iso3166

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
airports = airportsdata.load("IATA")
with open(os.path.join(root, "airports.csv"), "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["iata", "icao", "country", "name", "city", "lat", "lon", "tz"])
    for code in sorted(airports):
        a = airports[code]
        if len(code) == 3:
            w.writerow([code, a["icao"], a["country"], a["name"], a["city"], a["lat"], a["lon"], a["tz"]])
with open(os.path.join(root, "countries.csv"), "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["alpha2", "alpha3", "numeric", "name"])
    for c in sorted(iso3166.countries, key=lambda c: c.alpha3):
        w.writerow([c.alpha2, c.alpha3, c.numeric, c.name])
