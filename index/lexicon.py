"""Word lists of English news language, in one place. Each list says why it exists; none holds
words of a particular article or question."""

from __future__ import annotations

# Function words and question words: they say nothing about which sentence answers.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we
    were what when where which while who whom whose why will with would you your yours""".split()
)
# Words of asking rather than of the thing asked about ("according to the article, what...").
QUESTION_WORDS = frozenset(
    """according article articles report reported reports say said says tell told know known
    mention mentioned give given many much number total happen happened happening""".split()
)
# Abbreviations whose trailing period does not end a sentence.
ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof st sr jr gen gov sen rep col lt sgt capt maj no vs etc inc ltd co corp
    jan feb mar apr jun jul aug sep sept oct nov dec e.g i.e u.s u.k u.n a.m p.m""".split()
)
# Numbers written as words, as news copy writes small counts ("six people", "a dozen").
NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "dozen": 12, "dozens": 24, "hundreds": 200,
    "thousands": 2000, "scores": 40, "a": 1, "an": 1,
}
# Multipliers that follow a number ("2.5 billion", "£75m").
MAGNITUDES = ("hundred", "thousand", "million", "billion", "trillion", "bn", "m", "k")
# Words that qualify a figure without changing it ("at least 11", "more than 30").
HEDGES = (
    "at least", "about", "around", "approximately", "roughly", "nearly", "almost", "over",
    "more than", "fewer than", "less than", "up to", "some", "an estimated", "as many as",
    "just over", "just under", "close to", "a further", "another",
)
# Currency signs and words: a figure next to one is a sum of money.
CURRENCY_SIGNS = "$£€¥"
CURRENCY_WORDS = frozenset(
    """dollar dollars pound pounds sterling euro euros yen pence cents cent rupees rupee yuan
    francs franc""".split()
)
# Nouns for people: "17 people injured" counts people, "30 missiles" counts weapons.
PEOPLE_NOUNS = frozenset(
    """people persons person individuals civilians residents victims children adults women men
    soldiers troops officers police workers personnel staff passengers patients students
    families migrants refugees fighters rescuers volunteers fans voters members employees
    players customers""".split()
)
# Nouns for one person: "a woman and her three-year-old child" is a count of two, written
# without a number.
PERSON_NOUNS = frozenset(
    """man woman child boy girl baby infant toddler teenager son daughter mother father
    husband wife brother sister grandmother grandfather grandson granddaughter pensioner
    student soldier officer worker driver passenger resident civilian""".split()
)
# Units of time: "11 minutes" or "an 18-month deal" is a duration, not a count of things.
TIME_UNITS = ("second", "minute", "hour", "day", "week", "month", "year", "decade", "century")
# Units of measurement: "508 metres", "40 kg", "2 litres" measure a size, distance, weight or
# capacity; they are not a count of things.
MEASURE_UNITS = (
    "metre", "meter", "kilometre", "kilometer", "centimetre", "centimeter", "millimetre",
    "millimeter", "km", "cm", "mm", "mile", "feet", "foot", "ft", "inch", "yard", "kilogram",
    "kg", "gram", "tonne", "ton", "lb", "ounce", "litre", "liter",
    "gallon", "barrel", "acre", "hectare", "square", "sq", "degree", "watt", "kilowatt",
    "megawatt", "gigawatt", "kwh", "mw", "gw", "byte", "kilobyte", "megabyte", "gigabyte",
    "terabyte", "kb", "mb", "gb", "tb", "megapixel", "calorie",
)
# Units of speed, each a rate per unit of time: "38mph" or "61km/h" says how fast, as
# "70.72 teraflops" (operations a second) or "8 Mbps" (bits a second) does for a machine; a
# length or a weight does not.
SPEED_UNITS = ("mph", "kph", "km/h", "kmh", "knot", "teraflop", "gigaflop", "petaflop", "kbps",
               "mbps", "gbps", "hertz", "khz", "mhz", "ghz")
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct",
                       "Nov", "Dec")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Days said relative to the report's own date: the answer gives the published date beside them.
RELATIVE_DAYS = (
    "yesterday", "today", "tonight", "last night", "this morning", "this afternoon",
    "this evening", "last week", "this week", "last month", "this month", "last year",
    "this year", "next week", "next month", "next year",
)
# Verbs that report speech, matched by stem ("asserting", "denied"): a sentence with one is
# a quote. Those that are as often nouns in news ("state", "note") count only as written in
# the past tense ("stated", "noted").
SPEECH_VERBS = frozenset(
    """say said tell told call describe warn add insist claim argue urge dismiss brand accuse
    label admit announce suggest assert deny explain reply respond confirm declare acknowledge
    maintain reveal predict promise vow""".split()
)
SPEECH_VERBS_PAST_ONLY = frozenset("""stated noted remarked""".split())
# Words that news reports use for the same outcome; a question using one matches the others.
SYNONYMS = (
    frozenset({"injured", "injuries", "injury", "injuring", "wounded", "wounding", "hurt"}),
    frozenset({"killed", "killing", "dead", "death", "deaths", "died", "die", "fatalities"}),
    frozenset({"strike", "strikes", "attack", "attacks", "blast", "blasts", "explosion",
               "bombardment"}),
    frozenset({"missile", "missiles", "rocket", "rockets"}),
    frozenset({"buy", "bought", "buying", "acquire", "acquired", "acquisition", "takeover",
               "purchase", "purchased"}),
    frozenset({"profit", "profits", "earnings"}),
    frozenset({"boss", "chief", "head", "executive", "ceo"}),
    frozenset({"sold", "sell", "sales"}),
    frozenset({"old", "aged", "age"}),
)
# Transliterations that name the same place; each spelling finds the others.
PLACE_VARIANTS = (
    frozenset({"kyiv", "kiev"}), frozenset({"kharkiv", "kharkov"}),
    frozenset({"odesa", "odessa"}), frozenset({"lviv", "lvov"}),
    frozenset({"mykolaiv", "nikolaev", "nikolayev"}),
    frozenset({"zaporizhzhia", "zaporozhye", "zaporizhia"}),
    frozenset({"dnipro", "dnepr", "dnipropetrovsk"}), frozenset({"luhansk", "lugansk"}),
    frozenset({"chernihiv", "chernigov"}), frozenset({"kryvyi", "krivoy"}),
    frozenset({"rih", "rog"}), frozenset({"beijing", "peking"}), frozenset({"mumbai", "bombay"}),
)
# Nationality and language endings: "Ukrainian" describes, it does not name a new place.
DEMONYM_ENDINGS = ("ian", "ean", "ese", "ish", "an", "i")
# Words a question uses to ask whether two reports say the same thing ("was the reporting
# consistent?", "was there agreement?"); a question asking it answers yes when they do.
SAME_WORDS = frozenset(
    """consistent consistency consistently agree agreed agreement unchanged""".split()
)
# Words a question uses to ask whether two reports say different things ("was there a change?",
# "is there inconsistency?"); a question asking it answers yes when they differ.
CHANGE_WORDS = frozenset(
    """change changed changes inconsistent inconsistency inconsistently differ differed differs
    different difference disagree disagreed disagreement contradict contradicted
    contradiction""".split()
)
# Words that turn the word after them to its opposite ("no change", "not consistent").
NEGATORS = frozenset("""no not never without""".split())
