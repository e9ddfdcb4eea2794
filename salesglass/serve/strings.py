"""Page strings: key → (English, Russian). Unknown keys show as themselves (so a column name stays readable)."""

from salesglass.reports.columns import COLUMN_LABELS

STRINGS: dict[str, tuple[str, str]] = {
    **COLUMN_LABELS,  # report column headers, shared with the Excel and CSV exports (reports/columns.py)
    "count": ("Count", "Количество"),
    "built_by_other_code": (
        "These reports were built by another version of salesglass: parts added since then are left out until "
        "they are rebuilt. The next refresh rebuilds them, or run `salesglass build` (after an upgrade, restart "
        "`salesglass serve` too).",
        "Эти отчёты собраны другой версией salesglass: части, добавленные с тех пор, не показаны, пока отчёты не "
        "пересобраны. Их пересоберёт следующее обновление, или запустите `salesglass build` (после обновления "
        "перезапустите и `salesglass serve`).",
    ),
    # navigation and chrome
    # data-quality sources and reasons (report_data_quality): shown translated, the raw words stay in exports
    "linking": ("Linking", "Связывание"),
    "platform": ("Platform", "Платформа"),
    "amocrm": ("amoCRM", "amoCRM"),
    "reports": ("Reports", "Отчёты"),
    "unlinked deal (no partner found; see link suggestions or add an override)": (
        "unlinked deal (no partner found; see link suggestions or add an override)",
        "сделка без партнёра (партнёр не найден; см. предложения связей или задайте связь вручную)",
    ),
    "deal marked: no partner (in the overrides file; nothing to do)": (
        "deal marked: no partner (in the overrides file; nothing to do)",
        "сделка отмечена: без партнёра (в файле ручных связей; делать ничего не нужно)",
    ),
    "partner without a deal": ("partner without a deal", "партнёр без сделки"),
    "partner with sales but no linked deal (no sales manager: no new-partner credit, no first-sale bonus)": (
        "partner with sales but no linked deal (no sales manager: no new-partner credit, no first-sale bonus)",
        "у партнёра есть продажи, но нет связанной сделки (нет менеджера по продажам: не засчитан как новый "
        "партнёр, нет бонуса за первую продажу)",
    ),
    "sale of a partner unknown to the platform's partner list": (
        "sale of a partner unknown to the platform's partner list",
        "продажа партнёра, которого нет в списке партнёров платформы",
    ),
    "event of a partner unknown to the platform's partner list": (
        "event of a partner unknown to the platform's partner list",
        "мероприятие партнёра, которого нет в списке партнёров платформы",
    ),
    "fuzzy link suggestion awaiting review": (
        "fuzzy link suggestion awaiting review",
        "нечёткое предложение связи ждёт проверки",
    ),
    "partner with sales whose deals were all created after its first sale and never reached first sale "
    "(a late deal: its sales manager earns the sales bonuses unless [reports] late_deal_acquires = false)": (
        "partner with sales whose deals were all created after its first sale and never reached first sale "
        "(a late deal: its sales manager earns the sales bonuses unless [reports] late_deal_acquires = false)",
        "у партнёра с продажами все сделки созданы после его первой продажи и не дошли до первой продажи "
        "(поздняя сделка: бонусы за продажи получает её менеджер, если не задано [reports] "
        "late_deal_acquires = false)",
    ),
    "partner with sales whose linked deals are all in development pipelines "
    "(no acquiring deal: no sales bonus, no new-partner credit; [amocrm] development_pipelines)": (
        "partner with sales whose linked deals are all in development pipelines "
        "(no acquiring deal: no sales bonus, no new-partner credit; [amocrm] development_pipelines)",
        "у партнёра с продажами все связанные сделки — в воронках развития (нет привлёкшей сделки: нет "
        "бонусов за продажи и не засчитан как новый партнёр; [amocrm] development_pipelines)",
    ),
    "partner with sales but no development manager (no growth bonus line)": (
        "partner with sales but no development manager (no growth bonus line)",
        "у партнёра есть продажи, но нет менеджера по развитию (нет строки бонуса за рост)",
    ),
    # the back-office columns a quarantine reason names ({column} below) that no report column labels
    "sale_id": ("Sale id", "Номер продажи"),
    "sold_at": ("Sold at", "Дата продажи"),
    "event_id": ("Event", "Мероприятие"),
    "show_at": ("Show starts", "Начало мероприятия"),
    "channel": ("Channel", "Канал"),
    "inn": ("ИНН", "ИНН"),
    "contract_signed_at": ("Contract signed", "Договор подписан"),
    "widget_installed_at": ("Widget installed at", "Виджет установлен (дата)"),
    "is_support": ("Served by support", "Обслуживает поддержка"),
    "installed_at": ("Installed at", "Дата установки"),
    "widget_id": ("Widget", "Виджет"),
    "realistic": ("Realistic plan", "Реалистичный план"),
    "optimistic": ("Optimistic plan", "Оптимистичный план"),
    # quarantine reasons by code (serve/web/reasons.py); {column} is the column's own label
    "reason_missing": ("{column}: missing", "{column}: не заполнено"),
    "reason_not_valid": ("{column}: not a valid {kind}", "{column}: не читается как {kind}"),
    "reason_not_valid_format": (
        '{column}: not a valid {kind} (the column\'s format = "{format}" reads it)',
        '{column}: не читается как {kind} (прочтётся, если указать у колонки format = "{format}")',
    ),
    "reason_too_large": ("{column}: too large a number for money", "{column}: слишком большое число для суммы"),
    "reason_decimals": ("{column}: more than 2 decimal places", "{column}: больше двух знаков после запятой"),
    "reason_duplicate_key": (
        "the same key ({columns}) twice in one read: the first row is loaded, this one is not",
        "тот же ключ ({columns}) дважды за одно чтение: загружена первая строка, эта нет",
    ),
    "reason_also_read": (
        "the same key ({columns}) comes from input '{input}' too: its row is loaded, this one is not",
        "тот же ключ ({columns}) есть и во входе «{input}»: загружена его строка, эта нет",
    ),
    "reason_signs_disagree": (
        "tickets and turnover have opposite signs (a sale is positive in both, a refund negative in both)",
        "билеты и оборот разных знаков (у продажи оба положительные, у возврата оба отрицательные)",
    ),
    "reason_implausible_date": (
        "{column}: not a plausible date (before {first} or after {last})",
        "{column}: неправдоподобная дата (раньше {first} или позже {last})",
    ),
    "reason_future_date": (
        "{column}: in the future (more than a day after it was read; a typo in the year or a wrong zone?)",
        "{column}: в будущем (больше чем на сутки позже загрузки; опечатка в годе или не тот часовой пояс?)",
    ),
    "reason_not_allowed": ("{column}: not one of {allowed}", "{column}: не из списка {allowed}"),
    "csv_error_invalid encoding": ("not in the file's encoding", "не в кодировке файла"),
    "csv_error_too many columns": ("too many columns", "лишние столбцы"),
    "csv_error_missing columns": ("missing columns", "не хватает столбцов"),
    "csv_error_unquoted value": ("a quote inside an unquoted value", "кавычка внутри значения без кавычек"),
    "csv_error_line size over maximum": ("line too long", "слишком длинная строка"),
    "csv_error_cast": ("a value of the wrong type", "значение не того типа"),
    "reason_unreadable_line": ("unreadable line: {error}", "строка не читается: {error}"),
    "reason_unknown_dev_manager": (
        "development manager's e-mail unknown to amoCRM (loaded without a manager)",
        "e-mail менеджера по развитию не найден в amoCRM (загружено без менеджера)",
    ),
    "reason_unknown_manager": (
        "unknown manager (not an amoCRM user id, e-mail or name)",
        "неизвестный менеджер (не id, не e-mail и не имя пользователя amoCRM)",
    ),
    "reason_ambiguous_manager": (
        "ambiguous manager (matches more than one amoCRM user)",
        "неоднозначный менеджер (подходит нескольким пользователям amoCRM)",
    ),
    "reason_status_gone": (
        "status {status} of pipeline {pipeline} no longer exists in amoCRM (the deal has no stage until it does)",
        "статуса {status} воронки {pipeline} больше нет в amoCRM (у сделки нет этапа, пока его не вернут)",
    ),
    "reason_pipeline_gone": (
        "pipeline {pipeline} no longer exists in amoCRM (the deal has no stage until it does)",
        "воронки {pipeline} больше нет в amoCRM (у сделки нет этапа, пока её не вернут)",
    ),
    "reason_budget_unusable": (
        "budget is negative, not a number, or has more than 2 decimals (deal kept, budget unknown)",
        "бюджет отрицательный, не число или с долями копейки (сделка загружена, бюджет неизвестен)",
    ),
    "reason_created_implausible": (
        "creation date before 2000 or in the future (deal kept, created at its first event or last update)",
        "дата создания раньше 2000 года или в будущем "
        "(сделка загружена, создана — по первому событию или последнему изменению)",
    ),
    "reason_closed_implausible": (
        "close date before 2000 or in the future (deal kept, close date unknown)",
        "дата закрытия раньше 2000 года или в будущем (сделка загружена, дата закрытия неизвестна)",
    ),
    "reason_value_not_scalar": (
        "field «{field}» ({field_id}): a list or an object instead of one value (record kept, value unknown)",
        "поле «{field}» ({field_id}): список или объект вместо одного значения (запись загружена, значение неизвестно)",
    ),
    "reason_enum_unknown": (
        "field «{field}» ({field_id}): option id {enum} is not one of its options and came without its text "
        "(deal kept, value unknown)",
        "поле «{field}» ({field_id}): вариант с id {enum} не из списка поля и пришёл без текста "
        "(сделка загружена, значение неизвестно)",
    ),
    "reason_no_pipeline": (
        "deleted before the first sync; its pipeline is unknown",
        "удалена до первой синхронизации; воронка неизвестна",
    ),
    "reason_cold_unreadable": (
        "cold flag is neither yes nor no (deal kept, cold unknown)",
        "признак «холодная» ни да ни нет (сделка загружена, признак не известен)",
    ),
    "reason_kind_both": (
        "client kind says both organizer and operator (deal kept, kind unknown)",
        "тип клиента — и организатор, и оператор (сделка загружена, тип не указан)",
    ),
    "reason_account_not_whole": (
        "platform account id is not a whole number (kept empty)",
        "аккаунт на платформе — не целое число (оставлен пустым)",
    ),
    "reason_inn_digits": (
        "ИНН does not have 10 or 12 digits (kept empty)",
        "в ИНН не 10 и не 12 цифр (оставлен пустым)",
    ),
    "reason_override_deal_id": (
        "manual link: deal_id is not an amoCRM lead id",
        "ручная связь: deal_id — не номер сделки amoCRM",
    ),
    "reason_override_two_partners": (
        "manual link: the same deal is given more than one partner",
        "ручная связь: одной сделке указано несколько партнёров",
    ),
    "reason_override_unknown_deal": ("manual link: unknown deal", "ручная связь: такой сделки нет"),
    "reason_override_unknown_partner": ("manual link: unknown partner", "ручная связь: такого партнёра нет"),
    "reason_override_rejects_its_partner": (
        "manual link: the deal is given a partner and told it is not that partner",
        "ручная связь: сделке задан партнёр и сказано, что это не он",
    ),
    "reason_as_written": ("Reason as written", "Причина, как записана"),
    "value_kind_integer": ("whole number", "целое число"),
    "value_kind_bigint": ("whole number", "целое число"),
    "value_kind_double": ("number", "число"),
    "value_kind_number": ("number", "число"),
    "value_kind_money": ("amount of money", "денежная сумма"),
    "value_kind_timestamp": ("date and time", "дата и время"),
    "value_kind_timestamptz": ("date and time", "дата и время"),
    "value_kind_date": ("date", "дата"),
    "value_kind_month": ("month", "месяц"),
    "value_kind_boolean": ("yes or no", "да или нет"),
    "value_kind_json": ("JSON", "JSON"),
    "hint_deals_created": ("Deals created in the period.", "Сделки, созданные в этом периоде."),
    "hint_deals_won": (
        "Deals won in the period, whenever they were created.",
        "Сделки, выигранные в этом периоде, когда бы они ни были созданы.",
    ),
    "hint_created_reached": (
        "Of the deals created in the month, those that reached a first sale by the data date (in any month). "
        "Not the deals won: a deal is won in amoCRM, a first sale happens on the platform.",
        "Из сделок, созданных в этом месяце, — сколько дошли до первой продажи к дате данных (в любом месяце). "
        "Это не «выиграно сделок»: выигрыш отмечают в amoCRM, первая продажа случается на платформе.",
    ),
    "kpi_reached_in_period": ("deals that reached it in these months", "сделки, дошедшие в эти месяцы"),
    "kpi_reached_of_created": (
        "{reached} of the {created} deals created reached a first sale",
        "{reached} из {created} созданных сделок дошли до первой продажи",
    ),
    "kpi_reached_of_created_one": (
        "{reached} of the {created} deal created reached a first sale",
        "создана {created} сделка, до первой продажи дошло: {reached}",
    ),
    "hint_reached_in_week": (
        "Deals that reached the stage in the week, whenever they were created.",
        "Сделки, дошедшие до этапа на этой неделе, когда бы они ни были созданы.",
    ),
    "salesglass_version": ("salesglass version", "Версия salesglass"),
    "built": ("Built", "Собраны"),
    "config": ("config", "конфигурация"),
    "page_sales": ("Sales", "Продажи"),
    "page_funnel": ("Funnel", "Воронка"),
    "page_planfact": ("Plan vs fact", "План-факт"),
    "page_partners": ("New partners", "Новые партнёры"),
    "page_cohorts": ("Cohorts", "Когорты"),
    "page_bonuses": ("Bonuses", "Мотивация"),
    "page_quality": ("Data quality", "Качество данных"),
    "page_users": ("Users", "Пользователи"),
    "role_admin": ("Head / admin", "Руководитель / админ"),
    "role_manager": ("Manager", "Менеджер"),
    "logout": ("Log out", "Выйти"),
    "close": ("Close", "Закрыть"),
    "login": ("Log in", "Войти"),
    "login_title": ("Log in", "Вход"),
    "login_sub": (
        "Sales reports of amoCRM and the platform, in one place.",
        "Отчёты по продажам из amoCRM и платформы — в одном месте.",
    ),
    "login_failed": ("Wrong e-mail or password.", "Неверный e-mail или пароль."),
    "login_locked": (
        "Too many failed login attempts. Try again in {minutes} min.",
        "Слишком много неудачных попыток входа. Попробуйте снова через {minutes} мин.",
    ),
    "email": ("E-mail", "E-mail"),
    "password": ("Password", "Пароль"),
    "no_data_title": ("No reports published yet", "Отчёты ещё не собраны"),
    "no_data_text": (
        "Run `salesglass build` (or `salesglass demo`); this page shows the reports as soon as they exist.",
        "Запустите `salesglass build` (или `salesglass demo`) — отчёты появятся здесь сразу после сборки.",
    ),
    "back_home": ("Back to the dashboard", "На главную"),
    "company_only": (
        "This page shows company-wide figures; your login sees only your own. Ask an admin to allow company totals.",
        "На этой странице — показатели всей компании; вам доступны только свои. "
        "Попросите администратора открыть общие итоги.",
    ),
    "not_linked": (
        "Your login {email} is not tied to an amoCRM user (no amoCRM user has this e-mail), so there are no figures "
        "of yours to show. Ask an admin for a login with the e-mail of your amoCRM user.",
        "Ваш логин {email} не связан с пользователем amoCRM (ни у одного пользователя amoCRM нет этого e-mail), "
        "поэтому своих показателей нет. Попросите администратора завести логин с e-mail вашего пользователя amoCRM.",
    ),
    "planfact_nothing_of": (
        "Nothing for {manager} in {period}: no plan names them, none of the partners they develop sold and no new "
        "partner of theirs made a first sale.",
        "{manager}, {period}: ничего нет — плана нет, партнёры в развитии не продавали, первых продаж новых "
        "партнёров нет.",
    ),
    "not_linked_short": ("not found in amoCRM", "нет в amoCRM"),
    "drill_own_rows": ("Only your own rows are listed.", "В списке только ваши строки."),
    # filters
    "from": ("From", "С"),
    "to": ("To", "По"),
    "period": ("Period", "Период"),
    "at": ("Which", "Какой"),
    "period_month": ("Month", "Месяц"),
    "period_quarter": ("Quarter", "Квартал"),
    "period_year": ("Year", "Год"),
    "manager": ("Manager", "Менеджер"),
    "all_managers": ("All managers", "Все менеджеры"),
    "company": ("Company", "Компания"),
    "all_kinds": ("All kinds", "Все типы"),
    "measure": ("Measure", "Показатель"),
    "mode": ("Show", "Вид"),
    "mode_abs": ("Absolute", "Абсолютно"),
    "mode_pct": ("% of month 0", "% от месяца 0"),
    "all_pipelines": ("All pipelines", "Все воронки"),
    "inactive": ("left", "уволен"),
    "organizer": ("Organizers", "Организаторы"),
    "operator": ("Ticket operators", "Билетные операторы"),
    "unknown": ("Unknown", "Не указан"),
    # common columns
    "week": ("Week", "Неделя"),
    "deal": ("Deal", "Сделка"),
    "partner": ("Partner", "Партнёр"),
    "status": ("Status", "Статус"),
    "won": ("Won", "Успешна"),
    "lost": ("Lost", "Проиграна"),
    "open": ("Open", "В работе"),
    "lost_at": ("Lost at {stage}", "Проиграна на этапе «{stage}»"),
    "tip_deal_not_linked": (
        "Linked to no platform partner: no account id, ИНН or name matched one.",
        "Не связана с партнёром платформы: не совпали ни номер аккаунта, ни ИНН, ни название.",
    ),
    "tip_no_budget": ("No budget was entered in amoCRM.", "Бюджет в amoCRM не указан."),
    "tip_no_responsible": ("No responsible user in amoCRM.", "Ответственный в amoCRM не указан."),
    "tip_deal_open": ("Not closed: the deal is still open.", "Не закрыта: сделка ещё в работе."),
    "tip_stage_unmapped": (
        "Its amoCRM status is mapped to no stage ([amocrm] stages in the config).",
        "Её статус в amoCRM не сопоставлен ни одному этапу ([amocrm] stages в конфигурации).",
    ),
    "price": ("Budget", "Бюджет"),
    "created_at": ("Created", "Создана"),
    "closed_at": ("Closed", "Закрыта"),
    "sales_manager": ("Sales manager", "Менеджер по продажам"),
    "development_manager": ("Development manager", "Менеджер по развитию"),
    "first_sale_at": ("First sale", "Первая продажа"),
    "no_rows": ("Nothing for these filters.", "Нет данных для этих фильтров."),
    "no_rows_plain": ("Nothing to show.", "Показать нечего."),
    "no_manager": ("No manager", "Без менеджера"),
    "rows_found": ("{n} rows", "строк: {n}"),
    "rows_found_one": ("{n} row", "строк: {n}"),
    "sales_without_partner": ("Sales without a known partner", "Продажи без известного партнёра"),
    "open_full": ("Open as page", "Открыть страницей"),
    "prev": ("Previous", "Назад"),
    "next": ("Next", "Дальше"),
    "page_n": ("page {n} of {of}", "стр. {n} из {of}"),
    # stages
    "lead": ("Lead", "Лид"),
    "negotiation": ("Negotiation", "Переговоры"),
    "proposal": ("Proposal", "Предложение"),
    "contract_signed": ("Contract signed", "Договор подписан"),
    # sales page
    "created_to_first_sale": ("Created → first sale", "Создано → первая продажа"),
    "conversion_pct": ("Conversion", "Конверсия"),
    "chart_weekly": ("Weekly: widgets installed and first sales", "По неделям: установки виджета и первые продажи"),
    "chart_kinds": ("Operators vs organizers", "Операторы и организаторы"),
    "chart_budget": ("Annual budget of deals won, by month", "Годовой бюджет выигранных сделок по месяцам"),
    "chart_created_vs_first": ("Deals created vs reached first sale", "Создано сделок и дошло до первой продажи"),
    "table_weekly": ("Weekly deals", "Сделки по неделям"),
    "note_weeks_vs_months": (
        "Whole weeks, Monday to Sunday, {first} – {last}: the cards and the monthly table count the calendar "
        "days {lo} – {hi}, so the totals differ by the days of the weeks at the edges.",
        "Целые недели, с понедельника по воскресенье, {first} – {last}: карточки и таблица по месяцам считают "
        "календарные дни {lo} – {hi}, поэтому итоги расходятся на дни недель по краям.",
    ),
    "table_monthly": ("Deals by month", "Сделки по месяцам"),
    # funnel
    "deals_in_cohorts": ("Deals (leads)", "Сделок (лидов)"),
    "lead_to_first_sale": ("Lead → first sale", "Лид → первая продажа"),
    "mean_days_first_sale": ("Mean days to first sale", "Дней до первой продажи"),
    "lost_deals": ("Lost deals", "Проиграно"),
    "chart_funnel": ("Funnel", "Воронка"),
    "no_lost_deals": ("No lost deals in this period", "В этом периоде проигранных сделок нет"),
    "chart_leaks": ("Where lost deals stopped", "Где теряются сделки"),
    "conv_prev": ("From previous", "От предыдущего"),
    "conv_first": ("From first", "От первого"),
    "mean_days": ("Mean days to reach", "Среднее дней до этапа"),
    "table_funnel": ("Funnel by stage", "Воронка по этапам"),
    "table_funnel_managers": ("By sales manager", "По менеджерам по продажам"),
    # plan-fact
    "cost": ("Cost", "Затраты"),
    "margin": ("Margin", "Маржа"),
    "margin_pct": ("Margin %", "Маржа, %"),
    "new_partners": ("New partners", "Новые партнёры"),
    "attainment": ("Attainment", "Выполнение"),
    "forecast_attainment": ("Forecast attainment", "Прогноз выполнения"),
    "fact_to": ("Fact to {day}", "Факт на {day}"),
    "plan_to": ("Plan to {day}", "План на {day}"),
    "attainment_to": ("Attainment to {day}", "Выполнение на {day}"),
    "plan_period": ("Plan for the period (realistic)", "План на период (реалист.)"),
    "forecast_period": ("Forecast for the period", "Прогноз на период"),
    "forecast_attainment_period": ("Forecast vs the period's plan", "Прогноз к плану периода"),
    "hint_plan_to": (
        "The realistic plan asked for by this day: earlier months in full, the running month by days elapsed.",
        "Сколько реалистичный план требовал к этому дню: прошедшие месяцы целиком, текущий — по прошедшим дням.",
    ),
    "hint_attainment_to": (
        "Fact to date ÷ plan to date: like with like.",
        "Факт на дату ÷ план на ту же дату: сравнение одинаковых сроков.",
    ),
    "hint_forecast_attainment": (
        "Forecast for the whole period ÷ the whole period's realistic plan.",
        "Прогноз на весь период ÷ реалистичный план на весь период.",
    ),
    "tip_no_attainment": (
        "No percentage: the plan is 0 or below (a planned loss reads backwards in percent). Compare the amounts.",
        "Процента нет: план 0 или меньше (от плана-убытка процент читается наоборот). Сравните суммы.",
    ),
    "tip_pct_of_pct": (
        "No percentage of a percentage: compare the margin % with the plan's, in points.",
        "Процента от процента нет: сравните маржу, % с плановой, в пунктах.",
    ),
    "tip_no_chance": (
        "No chance: the plan is 0 or below, so there is no target to reach in the backtest's terms.",
        "Шанса нет: план 0 или меньше — в терминах бэктеста это не цель, которую можно достичь.",
    ),
    "note_plan_not_positive": (
        "“—” in a percentage: that plan is 0 or below (a margin plan may be a planned loss); compare the amounts.",
        "«—» в процентах: этот план 0 или меньше (план маржи может быть плановым убытком); сравните суммы.",
    ),
    "running_period": ("running period", "текущий период"),
    "complete_period": ("complete period", "период завершён"),
    "chart_turnover_plan": ("Turnover: fact, forecast and plans", "Оборот: факт, прогноз и планы"),
    "table_plan_managers": ("By development manager", "По менеджерам по развитию"),
    "no_development_managers": (
        "No development managers in the data: no partner has one, and no amoCRM user has the role development "
        "([amocrm] roles). Sales managers' new partners are on the New partners page.",
        "В данных нет менеджеров по развитию: ни у одного партнёра его нет, и ни у одного пользователя amoCRM нет "
        "роли development ([amocrm] roles). Новые партнёры менеджеров по продажам — на странице «Новые партнёры».",
    ),
    # forecast section of plan-fact (docs/forecast.md)
    "chart_forecast": (
        "Turnover forecast: parts, P10–P90 range and plans",
        "Прогноз оборота: части, диапазон P10–P90 и планы",
    ),
    "table_forecast": ("Forecast of the running period", "Прогноз текущего периода"),
    "fact_to_date": ("Fact to date", "Факт на сегодня"),
    "forecast_range": ("P10 / P90", "P10 / P90"),
    "chance_realistic": ("Chance of realistic plan", "Шанс реалист. плана"),
    "chance_optimistic": ("Chance of optimistic plan", "Шанс оптим. плана"),
    "forecast_note_events": (
        "Events on sale: the rest of the month's sales of the events already on sale (0 without an events table).",
        "Мероприятия в продаже: оставшиеся продажи месяца по мероприятиям, уже выставленным в продажу (0 без "
        "таблицы мероприятий).",
    ),
    "forecast_note": (
        "Forecast = fact to date + base + pipeline + new deals (deals not created yet, at the recent pace; "
        "company only); the base blends the season model with this period's own pace, as the backtest found "
        "best. P10–P90 and chances from the backtest at the same point of the period.",
        "Прогноз = факт + база + воронка + новые сделки (ещё не созданные, в недавнем темпе; только по "
        "компании); база сочетает сезонную модель с темпом текущего периода в той доле, что лучше всего "
        "сработала в бэктесте. P10–P90 и шансы — по бэктесту в той же точке периода.",
    ),
    "forecast_no_range": (
        "“—” in P10–P90 and the chances: they appear once the forecast can be tested on at least {need} complete "
        "past {periods} (a tested day needs {days} days of sales before it){so_far}.",
        "«—» в P10–P90 и шансах: они появятся, когда прогноз можно будет проверить хотя бы на {need} завершённых "
        "прошлых {periods} (проверяемому дню нужно {days} дней продаж до него){so_far}.",
    ),
    "forecast_no_range_so_far": ("; so far it was tested on {have}", "; пока он проверен на {have}"),
    "past_month": ("months", "месяцах"),
    "past_quarter": ("quarters", "кварталах"),
    "past_year": ("years", "годах"),
    "tip_plan_leaves_months": (
        "No figure for the whole period: the plan leaves out {months} (a forecast of the whole period against "
        "part of its plan reads too high).",
        "Нет значения за весь период: в плане нет месяцев: {months} (прогноз за весь период против части "
        "плана читается завышенным).",
    ),
    "tip_plan_leaves_months_so_far": (
        "No figure to date: the plan leaves out {months} (the fact to date holds their sales, the plan to date "
        "asks nothing of them).",
        "Нет значения на дату: в плане нет месяцев: {months} (факт на дату включает их продажи, а план на дату "
        "от них ничего не требует).",
    ),
    # why "Forecast vs the period's plan" is "—" (the KPI card says it in brackets, the managers' table on hover)
    "why_no_plan": ("no plan for the period", "плана на период нет"),
    "why_plan_not_positive": ("the plan is 0 or below", "план 0 или меньше"),
    "why_plan_leaves_months": ("the plan leaves out {months}", "в плане нет месяцев: {months}"),
    "tip_no_plan": (
        "No percentage: no realistic plan was entered for any month of this period.",
        "Процента нет: реалистичный план не введён ни на один месяц периода.",
    ),
    "note_plan_leaves_months": (
        "“—” against the whole period's plan: the plan leaves out {months}; compare month by month.",
        "«—» против плана за весь период: в плане нет месяцев: {months}; сравнивайте по месяцам.",
    ),
    "table_forecast_accuracy": ("How accurate the forecast has been (backtest)", "Точность прогноза (бэктест)"),
    "point_of_period": ("As of", "На дату"),
    "point_month_1": ("day 1–7", "1–7 число"),
    "point_month_2": ("day 8–14", "8–14 число"),
    "point_month_3": ("day 15–21", "15–21 число"),
    "point_month_4": ("day 22+", "22 число и позже"),
    "point_share_1": ("0–25 % elapsed", "прошло 0–25 %"),
    "point_share_2": ("25–50 % elapsed", "прошло 25–50 %"),
    "point_share_3": ("50–75 % elapsed", "прошло 50–75 %"),
    "point_share_4": ("75–100 % elapsed", "прошло 75–100 %"),
    "mape_forecast": ("MAPE forecast", "MAPE прогноза"),
    "mape_run_rate": ("MAPE run-rate", "MAPE по темпу"),
    "mape_last_year": ("MAPE last year", "MAPE прошлый год"),
    "bias_forecast": ("Bias forecast", "Смещение прогноза"),
    "coverage": ("Inside P10–P90", "Внутри P10–P90"),
    "forecast_accuracy_note": (
        "MAPE = mean |forecast − actual| / actual; bias < 0: too low. Lower is better. Figures from fewer "
        "than 3 periods (a year's cases in its first years) are an anecdote, not a measure.",
        "MAPE = средняя |прогноз − факт| / факт; смещение < 0: прогноз занижен. Цифры менее чем по 3 периодам "
        "(по году в первые годы) — случай, а не мера точности.",
    ),
    "forecast_accuracy_empty": (
        "No backtest yet: the history is too short to replay a past day (each needs about four months of sales "
        "before it, and its period must have ended since).",
        "Бэктеста пока нет: история слишком коротка, чтобы переиграть прошлый день (нужно около четырёх месяцев "
        "продаж до него, и его период должен уже закончиться).",
    ),
    # new partners
    "signed_to_selling": ("Signed → selling", "Договор → продажи"),
    "prev_first_sales": ("First sales, previous period", "Первые продажи, пред. период"),
    "previous_period": ("previous period", "пред. период"),
    "delta": ("Change", "Изменение"),
    "chart_milestones": (
        "Contracts → widgets → first sales by manager",
        "Договоры → виджеты → первые продажи по менеджерам",
    ),
    "chart_sales_share": ("Whose sales: turnover share", "Чьи продажи: доля оборота"),
    "table_new_partners": ("New partners by sales manager", "Новые партнёры по менеджерам"),
    "table_sales_share": ("Sales share by development manager", "Доля продаж по менеджерам по развитию"),
    "bucket_empty": ("No development manager", "Пусто"),
    "bucket_support": ("Support", "Поддержка"),
    "bucket_unknown": ("Unknown partner", "Неизвестный партнёр"),
    "share": ("Share", "Доля"),
    # cohorts
    "cohorts": ("Cohorts", "Когорт"),
    "partners_in_cohorts": ("Partners in cohorts", "Партнёров в когортах"),
    "turnover_month0": ("Turnover in month 0", "Оборот в месяц 0"),
    "chart_retention": ("Retention: {measure}", "Удержание: {measure}"),
    "month_short": ("M", "М"),
    "table_cohorts": ("Cohorts: {measure}", "Когорты: {measure}"),
    "declining_partners": ("Declining partners", "Падающие партнёры"),
    "lost_per_28d": ("turnover lost per 28 days", "потеря оборота за 28 дней"),
    "table_declining": (
        "Partners whose sales are falling (as of {as_of}) — call them",
        "Партнёры с падением продаж (на {as_of}) — позвонить",
    ),
    # why a funnel's or new partners' "—" (nothing to divide by, nothing to average)
    "tip_first_stage": ("The first stage: there is no stage before it.", "Первый этап: до него этапов нет."),
    "tip_no_previous_stage": (
        "No deal of these months reached the stage before: nothing to divide by.",
        "До предыдущего этапа не дошла ни одна сделка этих месяцев: не от чего считать.",
    ),
    "tip_no_leads": (
        "No leads created in these months: nothing to divide by.",
        "В этих месяцах лидов не создано: не от чего считать.",
    ),
    "tip_none_reached": (
        "No deal of these months reached this stage: no days to average.",
        "Ни одна сделка этих месяцев не дошла до этого этапа: среднего нет.",
    ),
    "tip_no_contracts": (
        "No contracts signed in these months: nothing to divide by.",
        "В этих месяцах договоров не подписано: не от чего считать.",
    ),
    "tip_no_revenue": (
        "No margin %: no revenue in this period, nothing to divide by.",
        "Маржи, % нет: выручки в этом периоде нет, не от чего считать.",
    ),
    "tip_manager_no_figure": (
        "No figure: nothing of this measure for this manager in this period (no sales, plan or forecast of it).",
        "Значения нет: по этому показателю у менеджера в этом периоде ничего нет (ни продаж, ни плана, ни прогноза).",
    ),
    "tip_plan_not_entered": (
        "No plan: none was entered for this measure in this period (the plans file has no row for it).",
        "Плана нет: на этот показатель в этом периоде план не введён (в файле планов нет строки).",
    ),
    "tip_cohort_not_yet": (
        "Not yet: this cohort has not lived this month (it is after the reports' date).",
        "Ещё нет: когорта не дожила до этого месяца (он после даты отчётов).",
    ),
    "tip_no_month0": (
        "No percentage: the cohort has nothing in month 0 to compare with.",
        "Процента нет: в месяце 0 у когорты ничего нет, не с чем сравнить.",
    ),
    "tip_refunds_exceed_sales": (
        "Stopped: refunds exceed sales in the last 28 days (a decline reads 100 % at most; the loss counts them).",
        "Остановился: возвраты за 28 дней больше продаж (падение не больше 100 %; потеря их учитывает).",
    ),
    "note_refunds_exceed_sales": (
        "100 % with a dotted line: the partner stopped, its refunds exceed its sales; the loss counts the refunds.",
        "100 % с пунктиром: партнёр остановился, возвраты больше продаж; потеря учитывает возвраты.",
    ),
    "declining_shown": (
        "The {shown} largest losses of {total} declining partners; a manager or a client kind narrows the list.",
        "Показаны {shown} самых больших потерь из {total} падающих партнёров; менеджер или тип клиента сузят список.",
    ),
    "manager_to_call": ("Manager to call", "Кто звонит"),
    "loss_28d": ("Loss", "Потеря"),
    # bonuses
    "bonus_total": ("Bonus total", "Бонусы всего"),
    "bonus_lines": ("Lines", "Строк"),
    "chart_bonus": ("Bonuses by month", "Бонусы по месяцам"),
    "table_bonus_managers": ("Totals by manager and role", "Итоги по менеджерам и ролям"),
    "table_bonus_summary": ("Statement by month", "Ведомость по месяцам"),
    "table_bonus_lines": ("Bonus lines", "Строки начисления"),
    "first_n_lines": (
        "Showing the first {n} lines; open the line count above for all of them.",
        "Показаны первые {n} строк; все строки — по ссылке на число строк выше.",
    ),
    "bonus_base": ("Base", "База"),
    "bonus_rate": ("Rate", "Ставка"),
    "bonus_multiplier": ("Multiplier", "Коэфф."),
    "bonus_amount": ("Amount", "Сумма"),
    "sales": ("Sales", "Продажи"),
    "development": ("Development", "Развитие"),
    "acquisition_share": ("Acquisition share", "Доля привлечения"),
    "growth": ("Growth", "Рост"),
    # the rules and roles of adjustment lines (docs/bonuses.md), as the lines table and its downloads name them
    "tip_line_no_deal": (
        "Paid on the partner's sales, not on one deal.",
        "Начисляется с продаж партнёра, а не по одной сделке.",
    ),
    "tip_line_fixed": (
        "The first-sale bonus is a fixed amount per new partner: no base or rate.",
        "Бонус за первую продажу — фиксированная сумма за нового партнёра: без базы и ставки.",
    ),
    "tip_line_not_applied": (
        "Not part of this line's amount.",
        "В сумме этой строки не участвует.",
    ),
    "clawback": ("Clawback", "Удержание"),
    "true_up": ("True-up", "Доначисление"),
    "carry_forward": ("Carried forward", "Перенос"),
    "carry": ("Carry", "Перенос"),
    "manual": ("Manual", "Ручная"),
    # quality
    "quarantined_rows": ("Quarantined rows", "Строк в карантине"),
    "unlinked_deals": ("Unlinked deals", "Несвязанные сделки"),
    "link_suggestions": ("Link suggestions", "Предложения связей"),
    "table_build_info": ("Last build", "Последняя сборка"),
    "table_name": ("Table", "Таблица"),
    "row_count": ("Rows", "Строк"),
    "table_refresh_status": ("Sources: last refresh", "Источники: последнее обновление"),
    "table_data_quality": ("Data-quality counts", "Проверки качества"),
    "table_refresh_runs": (
        "Refreshes (sync, load, link, build)",
        "Обновления данных (синхронизация, загрузка, связи, сборка)",
    ),
    "refresh_started": ("Started", "Начато"),
    "refresh_finished": ("Finished", "Закончено"),
    "refresh_trigger": ("Trigger", "Причина запуска"),
    "refresh_result": ("Result", "Итог"),
    "refresh_steps": ("Steps", "Шаги"),
    "refresh_error": ("Why it failed", "Почему не удалось"),
    "refresh_ok": ("ok", "успешно"),
    "refresh_failed": ("failed", "ошибка"),
    "refresh_skipped": ("skipped", "пропущено"),
    "refresh_running": ("running", "идёт"),
    "no_refresh_runs": (
        "No refresh has run yet (`salesglass serve` or `salesglass refresh --once`).",
        "Обновлений ещё не было (`salesglass serve` или `salesglass refresh --once`).",
    ),
    "table_quarantine": ("Quarantine", "Карантин"),
    "table_suggestions": ("Fuzzy link suggestions (review)", "Возможные связи (проверить)"),
    "table_suggestions_lost": (
        "Fuzzy link suggestions of lost deals (weak: review last)",
        "Возможные связи проигранных сделок (слабые: проверять в последнюю очередь)",
    ),
    "suggestions_shown": (
        "The first {shown} of {total}; all of them: `salesglass doctor --export FILE`.",
        "Первые {shown} из {total}; все: `salesglass doctor --export FILE`.",
    ),
    "last_seen": ("Last seen", "Последний раз"),
    "sample_keys": ("Samples", "Примеры"),
    "score": ("Score", "Сходство"),
    "confidence": ("Confidence", "Уверенность"),
    "confidence_hint": (
        "possible: an open or won deal, one candidate on each side, the partner not linked elsewhere; "
        "weak: anything else. Check before adding an override: names repeat.",
        "возможно: открытая или выигранная сделка, по одному кандидату с каждой стороны, партнёр больше ни с чем "
        "не связан; слабо: все остальные. Проверьте перед тем, как добавить связь: имена повторяются.",
    ),
    "suggestions_no_confidence": (
        "How sure each suggestion is: shown once this version makes them again; run `salesglass refresh` "
        "(or `salesglass link`, then `salesglass build`).",
        "Уверенность в каждом предложении появится, когда эта версия составит их заново: запустите "
        "`salesglass refresh` (или `salesglass link`, затем `salesglass build`).",
    ),
    "confidence_possible": ("possible", "возможно"),
    "confidence_weak": ("weak", "слабо"),
    "why": ("Why", "Почему"),
    "why_company_name": ("company name ≈ partner name", "название компании ≈ имя партнёра"),
    "why_deal_name": ("deal title ≈ partner name", "название сделки ≈ имя партнёра"),
    "why_name": ("name ≈ partner name", "имя ≈ имя партнёра"),
    "why_inn": (
        "company ИНН = partner ИНН, shared by other partners (head office and branches?)",
        "ИНН компании = ИНН партнёра, он же у других партнёров (головной офис и филиалы?)",
    ),
    "why_initials": (
        "a sole trader's surname and initials fit the full name",
        "фамилия и инициалы ИП совпадают с полным именем",
    ),
    "why_same_words": ("same words, other order or form", "те же слова в другом порядке или форме"),
    # a no-break space: "100" and "%" were cut onto two lines in the narrow "why" column
    "why_name_score": ("names {score}\u00a0% alike", "имена похожи на {score}\u00a0%"),
    "why_lost": ("deal lost {date}", "сделка проиграна {date}"),
    "why_won": ("deal won", "сделка выиграна"),
    "why_partner_linked": (
        "partner already linked to deal {deal} by {method}",
        "партнёр уже связан со сделкой {deal} ({method})",
    ),
    "method_override": ("override", "ручная связь"),
    "method_account_id": ("account id", "id аккаунта"),
    "method_inn": ("ИНН", "ИНН"),
    "why_deal_candidates": ("ambiguous: {n} partners for this deal", "неоднозначно: {n} партнёров для сделки"),
    "why_partner_candidates": (
        "ambiguous: partner suggested for {n} deals",
        "неоднозначно: партнёр предложен для {n} сделок",
    ),
    "source_key": ("Key", "Ключ"),
    "raw": ("Row", "Строка"),
    "raw_unavailable": (
        "(kept in the warehouse, which a refresh may be writing just now: try again in a minute)",
        "(хранится в хранилище, которое сейчас может писать обновление: попробуйте через минуту)",
    ),
    "seen_at": ("Seen", "Когда"),
    "engine": ("Engine", "Движок"),
    "last_success_at": ("Last success", "Последний успех"),
    "last_error": ("Last error", "Последняя ошибка"),
    "table_partner_months": ("Sales by month (last 12 months)", "Продажи по месяцам (12 мес.)"),
    # drill titles
    "drill_deals_created": ("Deals created", "Созданные сделки"),
    "drill_deals_won": ("Deals won", "Выигранные сделки"),
    "drill_deals_reached": ("Deals that reached", "Сделки, дошедшие до этапа"),
    "drill_deals_cohort": ("Deals of the cohort that reached", "Сделки когорты, дошедшие до этапа"),
    "drill_deals_lost": ("Lost deals that stopped at", "Проигранные сделки, остановившиеся на этапе"),
    "drill_deals_signed_selling": ("Signed contracts that are selling", "Подписавшие договор и продающие"),
    "drill_deals_unlinked": ("Deals not linked to a partner", "Сделки без партнёра"),
    "drill_partners_cohort": ("Partners of the cohort", "Партнёры когорты"),
    "drill_partners_first_sale": ("Partners with their first sale", "Партнёры с первой продажей"),
    "drill_partners_sales": ("Partners by sales", "Партнёры по продажам"),
    # users page
    "users": ("Dashboard logins", "Логины дашборда"),
    "amo_user": ("amoCRM user", "Пользователь amoCRM"),
    "company_totals": ("Company totals", "Итоги компании"),
    "default": ("Default", "По умолчанию"),
    "yes": ("yes", "да"),
    "no": ("no", "нет"),
    "new_password": ("new password", "новый пароль"),
    "reset": ("Set", "Сменить"),
    "remove": ("Remove", "Удалить"),
    "add_user": ("Add a login", "Добавить логин"),
    "add": ("Add", "Добавить"),
    "saved": ("Saved.", "Сохранено."),
    "confirm_remove": ("Remove this login?", "Удалить этот логин?"),
    "users_help": (
        "A manager's login must be the e-mail of their amoCRM user: that is how the dashboard knows whose "
        "figures to show.",
        "Логин менеджера — e-mail его пользователя amoCRM: так дашборд понимает, чьи показатели показывать.",
    ),
    # refused requests (serve/web/params.py, the security middleware)
    "bad_request": ("Bad request", "Неверный запрос"),
    "bad_param_month": (
        "{name}: expected a month YYYY-MM between {first} and {last}.",
        "{name}: нужен месяц в виде ГГГГ-ММ от {first} до {last}.",
    ),
    "drill_range_twice": (
        "A drill-down takes its range as since/until (days YYYY-MM-DD) or as from/to (months YYYY-MM), "
        "not both: drop {day} or {month}.",
        "Период детализации задаётся либо since/until (дни ГГГГ-ММ-ДД), либо from/to (месяцы ГГГГ-ММ), "
        "не тем и другим сразу: уберите {day} или {month}.",
    ),
    "bad_param_date": (
        "{name}: expected a date YYYY-MM-DD between {first} and {last}.",
        "{name}: нужна дата в виде ГГГГ-ММ-ДД от {first} до {last}.",
    ),
    "bad_param_page": (
        "{name}: expected a page number from 1 to {max}.",
        "{name}: нужен номер страницы от 1 до {max}.",
    ),
    "bad_param_id": (
        "{name}: expected a number of up to {digits} digits 0-9.",
        "{name}: нужно число не длиннее {digits} цифр 0-9.",
    ),
    "bad_param_choice": ("{name}: expected one of {choices}.", "{name}: допустимые значения — {choices}."),
    "bad_param_long": ("{name}: at most {max} characters.", "{name}: не длиннее {max} символов."),
    "bad_param_control": ("{name}: control characters are not allowed.", "{name}: управляющие символы недопустимы."),
    "bad_param_name": ("Unexpected parameter name.", "Недопустимое имя параметра."),
}
