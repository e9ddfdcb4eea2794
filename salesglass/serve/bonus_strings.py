"""Strings of the bonus close pages (periods, statements, disputes, audit): key → (English, Russian).

Kept apart from strings.py so the bonus pages can grow without touching every page's strings; merged into
STRINGS when the bonus routes are registered. A key STRINGS already has (reason, amount, the column headers
of reports/columns.py) keeps STRINGS' text there, so it is not repeated here: a second text would never show.
The bonus rules are named by STRINGS too (the bonuses page's words), through bonus_close.rule_label.
"""

from salesglass.bonus.statement import CARRY_NOTES, CAUSE_WORDS

BONUS_STRINGS: dict[str, tuple[str, str]] = {
    **CARRY_NOTES,
    **CAUSE_WORDS,
    "note": ("Note", "Примечание"),
    "page_bonus_periods": ("Bonus months", "Закрытие мотивации"),
    "page_statement": ("My statement", "Мой расчёт"),
    "page_statement_of": ("Bonus statement", "Расчёт мотивации"),
    "page_bonus_audit": ("Bonus audit trail", "Журнал изменений мотивации"),
    "state": ("State", "Статус"),
    "state_open": ("open", "открыт"),
    "state_in_review": ("in review", "на проверке"),
    "state_approved": ("approved (locked)", "утверждён (закрыт)"),
    "state_paid": ("paid", "выплачен"),
    "approved_at": ("Approved", "Утверждён"),
    "approved_by": ("Approved by", "Кем утверждён"),
    "paid_at": ("Paid", "Выплачен"),
    "self_approval_k": ("Four eyes", "Второе утверждение"),
    "self_approval": (
        "none: {who} approved a month with their own bonus lines, being the only admin",
        "нет: {who} утвердил(а) месяц со своими строками мотивации как единственный администратор",
    ),
    "to_pay": ("To pay", "К выплате"),
    "action_review": ("Start review", "На проверку"),
    "action_approve": ("Approve and lock", "Утвердить и закрыть"),
    "action_pay": ("Mark paid", "Отметить выплату"),
    "action_reopen": ("Reopen", "Вернуть"),
    "reopen_reason": ("Reason for reopening", "Причина возврата"),
    "add_adjustment": ("Add a manual adjustment", "Ручная корректировка"),
    "lines_earned": ("Lines earned this month", "Начисления месяца"),
    "statement_total": ("Total to pay", "Итого к выплате"),
    "statement_of": ("{manager}, {month}", "{manager}, {month}"),
    "statement_live": (
        "This month is not approved yet: the numbers follow the data until it is.",
        "Месяц ещё не утверждён: суммы меняются вместе с данными до утверждения.",
    ),
    "statement_locked": (
        "Approved {date}: these lines no longer change; later corrections appear as adjustments in the next "
        "open month.",
        "Утверждён {date}: строки больше не меняются; поправки появятся корректировками в следующем открытом месяце.",
    ),
    "print": ("Print", "Печать"),
    "dispute": ("Dispute", "Оспорить"),
    "dispute_comment": ("What is wrong with this line?", "Что не так с этой строкой?"),
    "disputes": ("Disputes", "Вопросы по расчёту"),
    "dispute_status_open": ("open", "открыт"),
    "dispute_status_adjusted": ("adjusted", "исправлено"),
    "dispute_status_rejected": ("rejected", "отклонено"),
    "answer": ("Answer", "Ответ"),
    "resolve_adjust": ("Adjust", "Исправить"),
    "resolve_reject": ("Reject", "Отклонить"),
    "comment": ("Comment", "Комментарий"),
    "payroll": ("Payroll file", "Файл для зарплаты"),
    "audit": ("Audit trail", "Журнал"),
    "who": ("Who", "Кто"),
    "when": ("When", "Когда"),
    "what": ("What", "Что"),
    "before": ("Before", "Было"),
    "after": ("After", "Стало"),
    "no_manager_login": (
        "Your login is not tied to an amoCRM user (no amoCRM user has its e-mail), so there is no statement to "
        "show. Ask an admin for a login with the e-mail of your amoCRM user.",
        "Ваш вход не связан с пользователем amoCRM (ни у одного пользователя amoCRM нет его e-mail), поэтому "
        "расчёта нет. Попросите администратора завести логин с e-mail вашего пользователя amoCRM.",
    ),
    "statement_needs_build": (
        "The published reports were built before the bonus close (its columns are missing), so there is no "
        "statement to show until they are rebuilt: the next refresh rebuilds them, or run `salesglass build`.",
        "Отчёты собраны до закрытия мотивации (его колонок в них нет), поэтому расчёта нет, пока их не "
        "пересоберут: это сделает следующее обновление, или запустите `salesglass build`.",
    ),
    "corrected_later": (
        "Corrected in a later month (this statement stays as it was; the correction is paid there)",
        "Исправлено в следующих месяцах (этот расчёт остаётся как был; поправка учтена там)",
    ),
    "dispute_adjusted_by": (
        "Adjustment {amount} in {month}: a manual line of that month's statement from the next build.",
        "Корректировка {amount} в {month}: ручная строка расчёта этого месяца после следующей сборки.",
    ),
    "bonus_periods_help": (
        "A month goes open → in review → approved (locked) → paid. Approving stores the month's lines and "
        "rules as published by the last build; a later refund or re-link becomes a clawback or true-up line "
        "in the first open month. Reopening needs a reason and is audited.",
        "Месяц проходит: открыт → на проверке → утверждён (закрыт) → выплачен. При утверждении сохраняются "
        "строки и правила месяца из последней сборки; поздний возврат или перепривязка станет строкой "
        "удержания или доначисления в первом открытом месяце. Возврат месяца — с причиной, в журнал.",
    ),
}
