"""Print what Qt computes with ICU's data, so that two data sets can be compared.

    build/venv/bin/python packaging/icu_probe.py

build.py runs this twice, with the wheel's libicudata and with the trimmed one
preloaded (LD_PRELOAD), and requires identical output: collation in several
languages (QCollator), the legacy text codecs (QStringDecoder), locale-aware case
mapping, and the time zones' list and display names.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCollator, QLocale, QStringDecoder, QTimeZone

WORDS = ["Äpfel", "apple", "Zebra", "öl", "ähnlich", "Ölpreis", "Lithium", "lithium-ion",
         "ıi", "Ångström", "čaj", "cobalt", "中国", "日本", "한국", "z", "ä", "10", "9"]
LOCALES = ["en_US", "de_DE", "sv_SE", "tr_TR", "cs_CZ", "zh_CN", "ja_JP", "ko_KR", "fr_FR"]
CODECS = ["Shift_JIS", "EUC-KR", "GB18030", "Big5", "KOI8-R", "ISO-8859-15", "windows-1252"]

for name in LOCALES:
    locale = QLocale(name)
    collator = QCollator(locale)
    print(name, sorted(WORDS, key=collator.sortKey))
    collator.setNumericMode(True)
    print(name, "numeric", sorted(WORDS, key=collator.sortKey))
    print(name, locale.toUpper("istanbul ıi ß straße"), locale.toLower("İSTANBUL I"))
for codec in CODECS:
    decoder = QStringDecoder(codec)
    print(codec, decoder.isValid(), decoder.name())
print(sorted(QStringDecoder.availableCodecs()))
print(len(QTimeZone.availableTimeZoneIds()))
for zone in (b"Europe/Berlin", b"Asia/Shanghai", b"America/Detroit"):
    tz = QTimeZone(zone)
    for name in LOCALES:
        print(zone, name, [tz.displayName(kind, style, QLocale(name))
                           for kind in (QTimeZone.TimeType.StandardTime,
                                        QTimeZone.TimeType.DaylightTime)
                           for style in (QTimeZone.NameType.LongName,
                                         QTimeZone.NameType.ShortName)])
