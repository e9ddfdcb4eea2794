"""Russian names for people and companies, valid ИНН numbers, and the linking name normaliser.

Company names are built the way clients type them: legal forms (ООО, ИП, АНО), «ёлочки» or "straight"
quotes, brand words. `normalise` mirrors docs/reports.md (linking by name) so the generator can keep
partner names unique after normalising — except where it injects look-alikes on purpose.
"""

from __future__ import annotations

import re

import numpy as np

FIRST_M = [
    "Алексей",
    "Андрей",
    "Артём",
    "Борис",
    "Вадим",
    "Денис",
    "Дмитрий",
    "Егор",
    "Иван",
    "Игорь",
    "Илья",
    "Кирилл",
    "Максим",
    "Михаил",
    "Никита",
    "Олег",
    "Павел",
    "Роман",
    "Сергей",
    "Степан",
    "Тимур",
    "Фёдор",
]
FIRST_F = [
    "Алина",
    "Анна",
    "Валерия",
    "Дарья",
    "Евгения",
    "Екатерина",
    "Елена",
    "Ирина",
    "Ксения",
    "Марина",
    "Мария",
    "Наталья",
    "Ольга",
    "Полина",
    "Светлана",
    "Татьяна",
    "Юлия",
    "Яна",
]
LAST = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Белов",
]
PATRONYMIC_INITIALS = "АБВГДЕИКЛМНОПРСТФ"
_LATIN = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "sch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
}

BRAND_A = [
    "Арт",
    "Звёздный",
    "Северный",
    "Южный",
    "Городской",
    "Большой",
    "Новый",
    "Белый",
    "Синий",
    "Зелёный",
    "Живой",
    "Первый",
    "Старый",
    "Летний",
    "Зимний",
    "Ночной",
    "Солнечный",
    "Лунный",
    "Добрый",
    "Яркий",
    "Тихий",
    "Громкий",
    "Весёлый",
    "Морской",
    "Речной",
    "Лесной",
    "Горный",
    "Открытый",
    "Вольный",
    "Главный",
]
BRAND_N = [
    "Звук",
    "Ритм",
    "Ветер",
    "Берег",
    "Мост",
    "Двор",
    "Круг",
    "Сад",
    "Парк",
    "Зал",
    "Остров",
    "Маяк",
    "Огонь",
    "Джаз",
    "Бит",
    "Пульс",
    "Квартал",
    "Причал",
    "Горизонт",
    "Рассвет",
    "Полёт",
    "Сезон",
    "Фестиваль",
    "Театр",
    "Клуб",
    "Дом",
    "Кит",
    "Голос",
    "Смех",
    "Кадр",
    "Вектор",
    "Прайм",
]
BRAND_KIND = ["Продакшн", "Концерт", "Ивент", "Групп", "Медиа", "Шоу", "Агентство", "Студия", "Промо", "Лаб"]
CITIES = [
    "Москва",
    "Санкт-Петербург",
    "Казань",
    "Екатеринбург",
    "Новосибирск",
    "Нижний Новгород",
    "Самара",
    "Краснодар",
    "Воронеж",
    "Пермь",
    "Уфа",
    "Ростов-на-Дону",
    "Тюмень",
    "Калининград",
    "Ярославль",
]
LATIN_BRANDS = [
    "Sound",
    "Live",
    "Wave",
    "Stage",
    "North",
    "Pulse",
    "Nova",
    "Beat",
    "Echo",
    "Prime",
    "Vibe",
    "Orbit",
    "Urban",
    "Bright",
    "Open",
]
AGENT_BRANDS = [
    "Билетная Афиша",
    "КассирОнлайн",
    "ПоНоминалу Плюс",
    "Городская касса",
    "Театральный портал",
    "Концерт.Ру Медиа",
    "ТикетХаб",
    "Культурный навигатор",
    "Афиша Города",
    "Билет-Экспресс",
    "Шоу-Гид",
    "Досуг Онлайн",
]

_FORMS = r"\b(ооо|оао|зао|пао|ао|ип|нко|ано|llc|ltd|inc)\b"


def normalise(name: str) -> str:
    """docs/reports.md linking normaliser: lower, ё→е, legal forms and quotes out, punctuation → spaces."""
    s = name.lower().replace("ё", "е")
    s = re.sub(r"[«»\"'“”„]", " ", s)
    s = re.sub(r"[^\w\s]", " ", s)
    s = re.sub(_FORMS, " ", s)
    return re.sub(r"\s+", " ", s).strip()


def person(rng: np.random.Generator) -> tuple[str, str, bool]:
    """(first name, last name, is_female)."""
    female = bool(rng.random() < 0.45)
    first = str(rng.choice(FIRST_F if female else FIRST_M))
    last = str(rng.choice(LAST)) + ("а" if female else "")
    return first, last, female


def latin(text: str) -> str:
    return "".join(_LATIN.get(ch, ch) for ch in text.lower())


def brand(rng: np.random.Generator) -> str:
    """A brand-like name: 'Северный Ветер', 'Джаз Продакшн', 'Арт-Квартал'."""
    r = rng.random()
    a, n, k = str(rng.choice(BRAND_A)), str(rng.choice(BRAND_N)), str(rng.choice(BRAND_KIND))
    if r < 0.4:
        return f"{a} {n}"
    if r < 0.7:
        return f"{n} {k}"
    if r < 0.85:
        return f"{a[:-2] if a.endswith(('ый', 'ий', 'ой')) else a}-{n}"
    return f"{rng.choice(LATIN_BRANDS)} {rng.choice(LATIN_BRANDS)}"


def legal_name(rng: np.random.Generator, legal_type: str, core: str, owner: tuple[str, str, bool]) -> str:
    """The partner name as typed in the cabinet, by legal form."""
    first, last, _ = owner
    if legal_type == "ru_ip":
        if rng.random() < 0.6:
            return f"ИП {last} {first[0]}.{rng.choice(list(PATRONYMIC_INITIALS))}."
        return f"ИП {last} {first}"
    if legal_type == "ru_se":
        return f"{first} {last}" if rng.random() < 0.5 else f"{last} {first} (самозанятый)"
    if legal_type == "foreign":
        return f"{latin(core).title()} {rng.choice(['Ltd', 'LLC', 'Inc'])}"
    r = rng.random()
    if r < 0.45:
        return f"ООО «{core}»"
    if r < 0.65:
        return f'ООО "{core}"'
    if r < 0.75:
        return f"АНО «{core}»"
    return core


def inn(rng: np.random.Generator, legal_type: str) -> str | None:
    """A checksum-valid ИНН: 10 digits for a company, 12 for a person; none for foreign partners."""
    if legal_type == "foreign":
        return None
    region = str(rng.choice(["77", "78", "16", "66", "54", "52", "63", "23", "50", "36"]))
    if legal_type == "ru_ltd":
        body = [int(c) for c in region] + [int(x) for x in rng.integers(0, 10, 7)]
        c10 = sum(w * d for w, d in zip([2, 4, 10, 3, 5, 9, 4, 6, 8], body, strict=True)) % 11 % 10
        return "".join(map(str, [*body, c10]))
    body = [int(c) for c in region] + [int(x) for x in rng.integers(0, 10, 8)]
    c11 = sum(w * d for w, d in zip([7, 2, 4, 10, 3, 5, 9, 4, 6, 8], body, strict=True)) % 11 % 10
    body.append(c11)
    c12 = sum(w * d for w, d in zip([3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8], body, strict=True)) % 11 % 10
    return "".join(map(str, [*body, c12]))


def spaced_inn(value: str) -> str:
    """How people paste an ИНН: '7701 234 567' style groups."""
    return f"{value[:4]} {value[4:7]} {value[7:]}"
