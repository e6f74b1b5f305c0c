"""User messages as codes: one catalogue renders each in Russian, for the CLI and the portal.

An error a user reads is raised as ``NastavnikError(code="…", where=…, **params)`` (or printed by a
shell through ``render_message``); its text is this catalogue's, with the parameters put in.
tests/test_messages.py fails when a code used in the source has no Russian text here, or a text
asks for a parameter nobody gives.
"""

from __future__ import annotations

import string

CATALOGUE: dict[str, str] = {
    # the command line's own values and states
    "cli.error": "ошибка: {message}",
    "cli.warning": "предупреждение: {message}",
    "cli.now": "«{value}»: нужна дата ГГГГ-ММ-ДД или дата и время ГГГГ-ММ-ДДTЧЧ:ММ",
    "cli.period": "--period «{value}»: нужен период ГГГГ-ММ-ДД:ГГГГ-ММ-ДД",
    "cli.period_reversed": "--period «{value}»: конец периода раньше его начала",
    "cli.day": "{option} «{value}»: нужна дата ГГГГ-ММ-ДД",
    "cli.not_initialised": (
        "база данных ещё не подготовлена: сначала выполните "
        "«nastavnik init --municipality НАЗВАНИЕ --tz ЧАСОВОЙ_ПОЯС»"
    ),
    "cli.unknown_school": "--school: школы «{school}» нет в списке школ муниципалитета",
    "cli.not_launched": "--roadmap: дорожная карта «{roadmap}» не запущена",
    "cli.nothing_launched": (
        "ни одна дорожная карта ещё не запущена: «nastavnik launch ИДЕНТИФИКАТОР_КАРТЫ»"
    ),
    "cli.portal_missing": "портал в этой сборке недоступен",
    "cli.municipality": "муниципалитет: {name} ({timezone})",
    "cli.database": "база данных {url}, версия схемы {revision}",
    "cli.scheduled": "мероприятие {step}: даты назначены ({changed})",
    # counts said with their noun (``render_count``): the forms for 1, for 2–4 and for 5 or more
    "count.files": "{count} файл | {count} файла | {count} файлов",
    "count.instances": "{count} экземпляр | {count} экземпляра | {count} экземпляров",
    "cli.portal": "портал: http://{host}:{port}/ (процессов: {workers})",
    "cli.portal_at": "портал: http://{host}:{port}/ на момент {moment} (процессов: {workers})",
    "cli.letter_retried": (
        "письмо {letter} для {recipient} уйдёт при следующей отправке («nastavnik tick»)"
    ),
    "cli.letters_composed": (
        "писем составлено: {letters}, отпавших решений убрано: {dropped}; "
        "«nastavnik outbox show НОМЕР» покажет письмо"
    ),
    "cli.decisions_waiting": (
        "решений ещё не в письме: {count}; «nastavnik outbox compose» покажет письма, "
        "«nastavnik tick» отправит их"
    ),
    "cli.person_removed": "{person} удалён(а) из реестра школы {school}{ended}",
    "cli.pairs_ended": "; завершены пары: {pairs}",
    "cli.totals": (
        "{school}, {year}: обучающихся 10–18 лет {pupils_10_18}, 15–18 лет {pupils_15_18}, "
        "молодых педагогов {young_teachers}"
    ),
    "cli.unknown_number": "--clear {name}: такого числа нет; есть: {known}",
    "cli.export_format": "--out {path}: нужен файл .csv или .xlsx",
    "cli.no_registry_tables": (
        "в базе данных нет таблиц реестра: создайте или обновите её командой «nastavnik init»"
    ),
    "cli.checked": (
        "{path}: в порядке: {roadmap}: шагов {steps}, этапов {occurrences}, предупреждений {warnings}"
    ),
    "cli.occurrences": "{kind}: этапов {count}",
    "cli.instance": "мероприятие {step} ({unit}, этап {occurrence}, срок {due}): {state}",
    "cli.instance_school": "школа {school}",
    "cli.instance_municipality": "муниципалитет",
    "cli.no_due": "без срока",
    "cli.table_units": "МО — муниципалитет; {units}",
    "cli.table_totals": "итого: {counts}",
    "cli.letter_line": (
        "{id:>5}  {status:<13} {recipient:<36} {items:>3} шт.  {when:<16} {subject}"
    ),
    "cli.suggestion": "{score:>3}  наставник mentor:{mentor:<6} {name:<36} {why}",
    "cli.survey": (
        "{school}, {year}: удовлетворены наставляемые {mentees_satisfied} из {mentees_took_part}, "
        "наставники {mentors_satisfied} из {mentors_took_part}"
    ),
    "cli.written": "{path} ({size} байт)",
    "cli.user": "пользователь {email}: {role}{school}",
    "cli.user_school": ", школа {school}",
    "cli.import_level": "--level «{level}»: нужно «school» (школьная) или «municipal» (муниципальная)",
    "cli.no_edited_version": (
        "{roadmap}: в базе данных нет версий этой дорожной карты (список версий — в портале, "
        "«Дорожные карты»)"
    ),
    "cli.no_version": (
        "{roadmap}: версии {version} в базе данных нет (список версий — в портале, "
        "«Дорожные карты»)"
    ),
    "cli.launch_roadmap_needed": "укажите дорожную карту: nastavnik launch {act} КОД_КАРТЫ",
    "cli.extra_argument": "лишний аргумент «{value}»",
    "cli.launch_declined": (
        "Запуск не выполнен: ничего не изменено (чтобы не спрашивать, добавьте --yes)"
    ),
    "cli.tick_interrupted": (
        "проверка прервана сигналом остановки; начатое доделает следующая проверка"
    ),
    "cli.no_letter_table": (
        "в базе данных нет таблицы писем: выполните «nastavnik init», чтобы создать или обновить её"
    ),
    "cli.schools_need_yes": "изменения существующих школ не применены: повторите команду с --yes",
    "cli.nothing_changed": "ничего не изменено",
    "users.no_active_user": (
        "активного пользователя «{email}» нет (добавьте его: «nastavnik users add»)"
    ),
    "users.link_later": "пользователь сохранён; отправьте ссылку позже: «nastavnik users link {email}»",
    "users.link_sent": "ссылка для входа отправлена: {destination}",
    # `nastavnik demo` (nastavnik/cli_demo.py)
    "demo.folder": "демонстрационный муниципалитет в папке {folder}",
    "demo.acts": "мероприятий, отмеченных школами и координатором за год: {count}",
    "demo.decisions": "решённые уведомления (уровень, адресат, мероприятий):",
    "demo.letters": "писем в папке {folder}: {count}",
    "demo.next": (
        "что посмотреть дальше:\n"
        "  export NASTAVNIK_DB={database}\n"
        "  nastavnik status --now 2022-09-15 --school sosh1   # мероприятия одной школы\n"
        "  nastavnik status --json --now 2022-09-15           # то же в JSON\n"
        "  nastavnik roadmap show beloyarsky-2022             # дорожная карта с датами\n"
        "  nastavnik serve --now 2022-09-15                   # портал: http://127.0.0.1:8000/\n"
        "      вход с паролем «{password}»: {users}"
    ),
    "demo.next_letter": (
        "  nastavnik outbox show 1                              # письмо, как его видит школа\n"
        "  less {letter}"
    ),
    "demo.registry": (
        "реестр наставничества ведут школ: {schools}; наставников {mentors}, наставляемых "
        "{mentees}, действующих пар {pairs}; ждут наставника: {waiting}"
    ),
    "demo.registry_closed": (
        "мероприятия, закрытые «по данным реестра» при ежедневных прогонах: {steps}"
    ),
    "demo.registry_next": (
        "  nastavnik registry list --unpaired --now {day}   # кто ждёт наставника\n"
        "  nastavnik registry suggest {mentee} --now {day}        # наставники для одного из "
        "них и почему\n"
        "  nastavnik indicators --now {day}                 # фактические значения по школам"
    ),
    "demo.registry_order": "  {path}   # приказ о закреплении пар по данным реестра",
    # the municipality, its schools and the schools file (storage/)
    "municipality.missing": (
        "муниципалитет ещё не создан: администратор системы выполняет "
        "«nastavnik init --municipality НАЗВАНИЕ --tz ЧАСОВОЙ_ПОЯС»"
    ),
    "municipality.name_needed": "для новой базы данных нужно название муниципалитета",
    "timezone.unknown": (
        "часовой пояс «{timezone}» не известен: нужно имя из базы IANA, например Asia/Yekaterinburg"
    ),
    "school.unknown": "школы «{school}» нет в списке школ муниципалитета",
    "email.invalid": "«{email}» — не адрес электронной почты",
    "database.unreachable": "не удалось открыть базу данных: {detail}",
    "file.missing": "файл не найден",
    "schools.not_a_table": "нужен файл .csv или .xlsx",
    "schools.xlsx_unreadable": "не удалось прочитать файл XLSX: он повреждён или это не книга Excel",
    "schools.encoding": (
        "строка {line}: файл не в кодировке UTF-8 и не в Windows-1251 (сохраните его из Excel "
        "как «CSV UTF-8» или как XLSX)"
    ),
    "schools.empty": "файл пустой: нужна строка заголовков ({columns}) и строки под ней",
    "schools.missing_columns": (
        "строка 1: нет столбцов {missing}; в заголовке должны быть: {columns} "
        "(остальные столбцы сохраняются как дополнительные сведения)"
    ),
    "schools.no_rows": "под заголовком нет ни одной школы",
    "schools.problems": "ошибок: {count}, ничего не импортировано:\n  {lines}",
    "schools.cell": "строка {row}, столбец {column} ({name}): {problem}",
    "schools.cell_empty": "пусто",
    "schools.cell_control": "недопустимый невидимый символ ({character}): наберите значение заново",
    "schools.cell_bad_id": "«{value}» — недопустимый код (латинские буквы, цифры, «-», «_», «.»)",
    "schools.cell_repeats": "«{value}» уже есть в строке {row}",
    # roadmap definitions (definitions/loader.py, definitions/schema.py)
    "definition.step_deadline": "{place}: шаг {step}: {problem}",
    "definition.file_missing": "файл не найден",
    "definition.not_utf8": "файл не в кодировке UTF-8 (байт {position})",
    "definition.not_yaml": "это не YAML: {detail}",
    "definition.not_a_mapping": "нужно описание дорожной карты: id, title, period, steps, …",
    "definition.unknown_roadmap": "дорожной карты «{roadmap}» нет; есть: {known}",
    "definition.code_twice": "код шага «{step}» встречается дважды (впервые в строке {line})",
    "definition.unknown_section": "раздела «{section}» нет{hint}",
    "definition.section_is_step": (
        " («{section}» — шаг: подпункт называет его в поле parent: «{section}»)"
    ),
    "definition.unknown_parent": "шаг {step}: родительского шага «{parent}» нет",
    "definition.unknown_dependency": "шаг {step} зависит от шага «{dependency}», которого нет",
    "definition.depends_on_itself": "шаг {step} зависит сам от себя",
    "definition.cycle": "круговая зависимость шагов: {cycle}",
    "definition.period_reversed": "период заканчивается ({end}) раньше, чем начинается ({start})",
    "definition.end_before_start": "конец ({end}) раньше начала ({start})",
    "definition.blank": "не может быть пустым",
    "definition.no_deadline": (
        "нет срока: укажите фразу срока (deadline), даты (start/end) или unscheduled: true"
    ),
    "definition.completes_from_scope": (
        "completes_from читает реестр школы: у шага должно быть scope: school"
    ),
    "definition.unknown_timezone": (
        "часовой пояс «{timezone}» не известен: нужно имя из базы IANA, например Asia/Yekaterinburg"
    ),
    # a roadmap's warnings (definitions/lint.py): it runs, but something looks wrong
    "lint.warning": "{place}: предупреждение: {message}",
    "lint.starts_outside": (
        "шаг {step} начинается {day}, вне периода дорожной карты {start} – {end}"
    ),
    "lint.due_outside": (
        "шаг {step} должен быть выполнен {day}, вне периода дорожной карты {start} – {end}"
    ),
    "lint.before_dependency": (
        "шаг {step} должен быть выполнен {due}, раньше предшествующего шага {dependency} "
        "(срок {dependency_due})"
    ),
    "lint.unknown_role": "шаг {step}: неизвестная роль {role} (каталог ролей: docs/roadmaps.md)",
    "lint.unknown_document": "шаг {step}: неизвестный вид документа {document}",
    "lint.school_step_municipal_roles": (
        "шаг {step} выполняет каждая школа (scope: school), но все его роли муниципальные"
    ),
    # the deadline parser's findings (definitions/deadlines/, definitions/compiler.py): a phrase it
    # refuses (DeadlineError: the reason, what was understood, a form that reads) and the rules its
    # reading applied (a schedule's notes, `nastavnik deadline --explain`, the linter's warnings)
    "deadline.refused": "срок «{phrase}» не прочитан: {reason}",
    "deadline.understood": "Понято: «{understood}»; чтение остановилось на «{word}».",
    "deadline.understood_nothing": "Понято: ничего; чтение остановилось на «{word}».",
    "deadline.example": "Так читается: {example}.",
    "deadline.read_as": "понято как: {summary}",
    "deadline.rule": "правило: {note}",
    "deadline.rule_days_off": (
        "правило: срок, который кончается в выходной или праздник, переносится на следующий "
        "рабочий день (ГК РФ, ст. 193)"
    ),
    "deadline.period_reversed": (
        "период дорожной карты начинается ({start}) позже, чем кончается ({end})"
    ),
    "deadline.unknown_form": "такая форма срока неизвестна",
    "deadline.empty": "срок пуст",
    "deadline.no_such_date": "даты {day:02d}.{month:02d}.{year} в календаре нет",
    "deadline.meaningless_sign": "знак «{sign}» в сроке ничего не значит",
    "deadline.no_date": "в сроке нет даты",
    "deadline.no_date_in_period": "ни одна дата не попадает в период дорожной карты ({period})",
    "deadline.not_in_period": (
        "год не указан, а такой даты нет в периоде дорожной карты ({period})"
    ),
    "deadline.start_after_period": "начало позже конца периода дорожной карты ({period})",
    "deadline.start_after_end": "начало позже конца ({end})",
    "deadline.range_reversed": "начало промежутка позже его конца",
    "deadline.no_year": "не указан год",
    "deadline.year_limits": "год должен быть от {first} до {last}",
    "deadline.year_ranges": "указано несколько промежутков лет",
    "deadline.mixed_years": (
        "в списке у одних дат есть год, у других нет (или они разного вида): какой год у каждой?"
    ),
    "deadline.school_year": "учебный год — это два года подряд",
    "deadline.no_such_month": "месяца с таким номером нет",
    "deadline.no_such_decade": "декады с номером {number} не бывает (их {limit})",
    "deadline.no_such_quarter": "квартала с номером {number} не бывает (их {limit})",
    "deadline.no_such_half": "полугодия с номером {number} не бывает (их {limit})",
    "deadline.no_such_day": "числа с номером {number} не бывает (их {limit})",
    "deadline.number_needs_unit": (
        "к числу {number} нужен месяц или единица (квартал, полугодие, декада)"
    ),
    "deadline.number_needs_range_unit": "к числу {number} нужна единица",
    "deadline.decade_needs_month": "после «декада» нужен месяц",
    "deadline.weekday_needs_month": "после дня недели нужен месяц",
    "deadline.which_month": "«{day} числа» — какого месяца? Нужен месяц или повторение",
    "deadline.which_month_of_quarter": "«{day} числа» — какого месяца квартала?",
    "deadline.which_month_of_half": "«{day} числа» — какого месяца полугодия?",
    "deadline.day_of_month_alone": (
        "число месяца без месяца читается только с «ежемесячно» или «ежеквартально»"
    ),
    "deadline.several_days_of_month": "указано несколько чисел месяца",
    "deadline.two_recurrences": (
        "указано два повторения: нужно одно («ежегодно», «ежеквартально» или «ежемесячно»)"
    ),
    "deadline.which_months": "«{frequency}» — в какие месяцы? Назовите их",
    "deadline.recurrence_window": "у повторения нужно начало или промежуток",
    "deadline.continuous_and_every": "«постоянно» и повторение вместе — что из двух?",
    "deadline.continuous_form": "«постоянно» читается одно или с датой начала",
    "deadline.through_year_form": "«в течение года» после даты читается с одним месяцем",
    "deadline.start_only": "указана только «с …», а срок окончания — нет: до какой даты?",
    "deadline.start_date_only": (
        "указана только дата начала, а срок окончания — нет: до какой даты?"
    ),
    "deadline.following_year": "«года, следующего за отчетным» читается с «ежегодно»",
    "deadline.weekday_which_date": "день недели в скобках — к какой дате он относится?",
    "deadline.weekday_disagrees": (
        "{day} — {weekday}, а в скобках написано «{written}»: в дате (или в годе) ошибка?"
    ),
    "deadline.count_limits": "срок должен быть от 1 до {limit} дней, недель или месяцев",
    "deadline.working_days_only": (
        "рабочими бывают только дни; недели и месяцы считаются календарными"
    ),
    "deadline.one_dated_anchor": "срок отсчитывается от одной даты с годом",
    "deadline.after_9999": "срок кончается после 9999 года",
    "deadline.anchor_without_event": "поле anchor задано, а срок не отсчитывается от события",
    "deadline.anchor_needed": (
        "срок отсчитывается от события — назовите его в поле anchor: код шага, "
        "после которого он идёт, launch (запуск) или дату"
    ),
    "deadline.anchor_example": 'anchor: "1.2" (код шага), "launch" или дата',
    "deadline.anchor_unknown": "в поле anchor — «{anchor}»: такого шага нет",
    "deadline.note_alternative": "из двух вариантов взят тот, что с датой: «{alternative}»",
    "deadline.note_day_count": "число дней после дат не меняет их: «{count}»",
    "deadline.note_remark": "примечание в скобках не меняет дат: «{remark}»",
    "deadline.note_year_once": (
        "год {year} написан один раз в конце списка — он у каждой даты списка"
    ),
    "deadline.note_through_year": "«…, в течение года» — двенадцать месяцев с названного месяца",
    "deadline.note_reported_year": "отчетный год — {reported}, срок — в {due_year} году",
    "deadline.note_reported_each_year": (
        "отчетный год — каждый год периода, срок — в следующем за ним году"
    ),
    "deadline.note_repeats": (
        "год не указан, а в период попадает несколько таких дат — срок повторяется "
        "каждый год периода"
    ),
    "deadline.note_yearly": (
        "«ежегодно» без даты — до 31 декабря каждого года (в последний год — до конца периода)"
    ),
    "deadline.note_within_year_plan": "«в течение года» — весь период плана, он не длиннее года",
    "deadline.note_within_each_year": (
        "«в течение года» в периоде из нескольких лет — в течение каждого календарного года периода"
    ),
    # pydantic's checks of a definition, by the kind of problem (definitions/loader.py builds
    # the code from the kind: definition.check.KIND)
    "definition.check.missing": "поле обязательно, но его нет",
    "definition.check.extra_forbidden": "такого поля нет в формате дорожной карты",
    "definition.check.literal_error": "допустимые значения: {expected}",
    "definition.check.string_type": "нужен текст",
    "definition.check.int_type": "нужно целое число",
    "definition.check.int_parsing": "нужно целое число",
    "definition.check.float_type": "нужно число",
    "definition.check.float_parsing": "нужно число",
    "definition.check.bool_type": "нужно true или false",
    "definition.check.bool_parsing": "нужно true или false",
    "definition.check.date_type": "нужна дата ГГГГ-ММ-ДД",
    "definition.check.date_parsing": "нужна дата ГГГГ-ММ-ДД",
    "definition.check.date_from_datetime_parsing": "нужна дата ГГГГ-ММ-ДД",
    "definition.check.list_type": "нужен список",
    "definition.check.dict_type": "нужно описание из полей (ключ: значение)",
    "definition.check.model_type": "нужно описание из полей (ключ: значение)",
    "definition.check.model_attributes_type": "нужно описание из полей (ключ: значение)",
    "definition.check.string_pattern_mismatch": "значение не подходит под образец {pattern}",
    "definition.check.too_short": "нужно хотя бы {min_length}",
    "definition.check.greater_than_equal": "нужно не меньше {ge}",
    "definition.check.less_than_equal": "нужно не больше {le}",
    "definition.invalid": "значение не подходит ({kind})",
    # the mentorship registry (registry/)
    "registry.unknown_kind": "вида записей «{kind}» нет: допустимы mentors, mentees или pairs",
    "registry.unknown_format": "формата «{format}» нет: допустимы csv или xlsx",
    "registry.form_code": (
        "«{form}»: код формы наставничества — строчные латинские буквы, цифры и «_»"
    ),
    "registry.unknown_mentor_category": "категории наставника «{category}» нет; есть: {known}",
    "registry.unknown_mentee_category": "категории наставляемого «{category}» нет; есть: {known}",
    "registry.form_incomplete": (
        "для новой формы наставничества нужны название, категория наставника и категории "
        "наставляемых"
    ),
    "registry.title_empty": "название не заполнено",
    "registry.pair_end_status": "пара завершается как «завершена» или «прекращена»",
    "registry.unknown_pair": "пары № {pair} нет",
    "registry.pair_not_active": "пара № {pair} уже {status}",
    "registry.person_ref": "«{text}»: нужно mentor:НОМЕР или mentee:НОМЕР",
    "registry.unknown_person": "{kind} № {person} нет в реестре",
    "registry.person_removed": "запись {person} удалена по запросу, изменить её нельзя",
    "registry.person_already_removed": "запись {person} уже удалена",
    "registry.changed_meanwhile": (
        "кто-то изменил запись {person} в тот же момент: обновите страницу и повторите"
    ),
    "registry.unknown_fields": "таких полей нет: {fields}",
    "registry.removal_reason": "укажите причину удаления (запрос, на который оно отвечает)",
    "registry.mentee_removed": "наставляемый № {mentee} удалён из реестра по запросу",
    "registry.unknown_clear": "нельзя очистить {names}: в этой записи есть числа {known}",
    "registry.name_taken": "«{name}» уже есть в базе",
    "registry.name_taken_edit": "«{name}» уже есть в базе: измените запись",
    # a school's totals and survey of a year (registry/totals.py)
    "totals.negative": "{value}: число не может быть отрицательным",
    "totals.year": "{year}: ожидается год от 2000 до 2100",
    "totals.set_and_cleared": "указаны и число, и его очистка: оставьте одно из двух",
    "totals.part_over_whole": (
        "{pupils_15_18} больше, чем обучающихся 10–18 лет ({pupils_10_18}): 15–18 лет — их часть"
    ),
    "totals.mentees_over": "{satisfied} больше, чем наставляемых участвовало в опросе ({took})",
    "totals.mentors_over": "{satisfied} больше, чем наставников участвовало в опросе ({took})",
    # the measures of effectiveness (registry/indicators.py): a value, or why there is none
    "indicators.value": "{percent} % ({numerator} из {denominator})",
    "indicators.no_data": "нет данных: {reason}",
    "indicators.missing_in_year": "{reason} за {year} год",
    "indicators.missing_everywhere": "{reason} за {year} год ни одной школой",
    "indicators.zero": "{label} за {year} год — 0: доля не определена",
    "indicators.missing.pupils_10_18": "не введена численность обучающихся 10–18 лет",
    "indicators.missing.pupils_15_18": "не введена численность обучающихся 15–18 лет",
    "indicators.missing.young_teachers": ("не введено число молодых специалистов (стаж 0–3 года)"),
    "indicators.missing.mentee_survey": "не введены итоги опроса наставляемых",
    "indicators.missing.mentor_survey": "не введены итоги опроса наставников",
    "indicators.missing.mentees_satisfied": "не введено число удовлетворённых наставляемых",
    "indicators.missing.mentors_satisfied": "не введено число удовлетворённых наставников",
    # why a mentor is suggested (registry/suggest.py, `nastavnik registry suggest`, the portal)
    "suggest.matched": "совпадает: {matched}; свободно мест: {free} из {capacity}; форма {forms}",
    "suggest.matched_forms": (
        "совпадает: {matched}; свободно мест: {free} из {capacity}; формы {forms}"
    ),
    "suggest.unmatched": (
        "совпадений с запросом нет; свободно мест: {free} из {capacity}; форма {forms}"
    ),
    "suggest.unmatched_forms": (
        "совпадений с запросом нет; свободно мест: {free} из {capacity}; формы {forms}"
    ),
    # the registry's field values (registry/values.py), for the file import and the forms
    "values.field": "поле «{label}»: {problem}",
    "values.empty": "не заполнено",
    "values.full_name": "«{value}»: ожидается «Фамилия Имя Отчество»",
    "values.full_name_cyrillic": (
        "«{value}»: ожидается «Фамилия Имя Отчество» кириллицей, каждое слово с заглавной буквы"
    ),
    "values.category": "«{value}»: неизвестная категория; допустимы {allowed}",
    "values.whole": "«{value}»: ожидается целое число",
    "values.range": "{value}: ожидается число от {low} до {high}",
    "values.yes_no": "«{value}»: ожидается «да» или «нет»",
    "values.no_such_date": "«{value}»: такой даты нет",
    "values.date": "«{value}»: ожидается дата вида 15.09.2022 или «15 сентября 2022 г.»",
    "values.pupil_mentor_age": "для наставника-обучающегося укажите возраст",
    "values.pupil_mentor_age_range": "{age}: наставник-обучающийся — от 10 до 19 лет",
    "values.consent_date": "согласие дано: укажите его дату",
    "values.consent_future": "{day} ещё не наступило",
    "values.pupil_age": "для обучающегося укажите возраст",
    "values.pupil_age_range": "{age}: обучающийся — от 6 до 19 лет",
    "values.pupil_class": "для обучающегося укажите класс («7 Б»)",
    "values.young_experience": "для молодого специалиста укажите стаж (от 0 до 3 лет)",
    "values.young_experience_range": (
        "{years}: молодой специалист — стаж от 0 до 3 лет; "
        "с большим стажем выберите категорию «педагог»"
    ),
    # names, letters, the portal's users and its services
    "declension.unknown_case": "падежа «{case}» нет: допустимы {known}",
    "declension.name_parts": (
        "«{name}»: нужны «Фамилия Имя Отчество» (фамилия, имя и, если есть, отчество, кириллицей)"
    ),
    "declension.gender": (
        "по имени «{name}» не понять, мужчина это или женщина: укажите отчество "
        "(«Иванович», «Ивановна»)"
    ),
    "users.unknown_role": "роли «{role}» нет; допустимы: {known}",
    "users.school_needed": "администратору школы нужна школа",
    "users.whole_municipality": "{role} видит весь муниципалитет: школу указывать не нужно",
    "portal.weak_secret_key": (
        "ключ не годится: это ключ по умолчанию или он короче {length} символов. "
        "Уберите переменную — портал возьмёт ключ, созданный `nastavnik init`, — или "
        "задайте случайный: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
    ),
    "portal.no_stored_key": "в базе данных нет секретного ключа портала: выполните `nastavnik init`",
    "definition.same_id_file_and_database": (
        "дорожная карта «{roadmap}» описана дважды: в файле {file} и в базе данных (опубликованная "
        "версия {version}); уберите файл из папки или смените id в нём"
    ),
    "definition.same_id_twice": (
        "дорожная карта «{roadmap}» описана дважды: в {first} и в {second}; оставьте один файл "
        "или смените id в другом"
    ),
    "upload.empty": "файл пустой",
    "upload.too_big": "файл больше 10 МБ ({size} МБ)",
    "upload.not_like": "содержимое файла не похоже на {format}",
    "upload.kind": "можно загрузить только PDF, JPEG или PNG",
    "upload.bad_path": "недопустимый путь файла",
    "password.too_short": "пароль должен быть не короче {length} символов",
    "portal.no_secret_key": (
        "нет секретного ключа портала (NASTAVNIK_SECRET_KEY): портал подписывал бы "
        "известным или пустым ключом"
    ),
    "prefect.no_answer": "сервер Prefect {url} не ответил за {seconds} с",
    "prefect.bad_setting": "настройка {setting}: значение «{value}» не подходит{why}",
    "mail.bad_url": (
        "NASTAVNIK_SMTP_URL: нужен адрес smtp://[пользователь:пароль@]сервер[:порт] или "
        "smtps://…, а указано {scheme}://"
    ),
    "mail.no_starttls": "сервер {server} не поддерживает STARTTLS",
    "mail.composing_failed": (
        "письма прогона не удалось составить (не составлено: {letters}); следующий прогон "
        "составит и отправит оставшиеся (подробности — в журнале)"
    ),
    "mail.folder": "папка писем {folder}",
    "mail.connections": "параметр connections — целое число от 1 до 32, указано «{connections}»",
    "mail.test_written": "записано в {path} (NASTAVNIK_SMTP_URL не задан)",
    "mail.test_accepted": "принято сервером {server} для {email}",
    "mail.login_refused": "сервер не принял имя пользователя и пароль: {reply}",
    "mail.connection_lost": "{server}: связь прервалась: {detail}",
    "mail.folder_unwritable": "не удалось создать папку для писем {folder}: {detail}",
    "mail.file_unwritable": "не удалось записать {path}: {detail}",
    "mail.signin_not_sent": "письмо со ссылкой для входа на {email} не отправлено: {detail}",
    "mail.not_retried": (
        "письмо {letter} {status}: повторно отправляются только неотправленные и ожидающие"
    ),
    "database.not_created": (
        "база данных не создана: выполните `nastavnik init --municipality НАЗВАНИЕ --tz ЗОНА`"
    ),
    "database.outdated": (
        "схема базы данных устарела (версия {current}, нужна {head}): остановите службы, "
        "сделайте резервную копию (`nastavnik backup КАТАЛОГ`) и обновите схему командой "
        "`nastavnik init`"
    ),
    # the pairing rules (registry/pairing.py)
    "pairing.form_empty": "не заполнено",
    "pairing.form_unknown": "«{form}»: такой формы нет; есть {offered}",
    "pairing.form_off": "форма «{form}» отключена в муниципалитете",
    "pairing.no_mentor": "не выбран",
    "pairing.no_mentee": "не выбран",
    "pairing.mentee_twice": "один и тот же наставляемый указан дважды",
    "pairing.start_empty": "не заполнено",
    "pairing.end_empty": "не заполнено",
    "pairing.end_before_start": "окончание {end} раньше начала {start}",
    "pairing.status_unknown": "«{status}»: допустимы {allowed}",
    "pairing.mentor_not_in_school": "выбранного наставника нет в базе наставников этой школы",
    "pairing.mentor_removed": "выбранный наставник удалён из базы по его запросу",
    "pairing.mentor_category": "{name} — {category}, а в форме «{form}» наставник — {expected}",
    "pairing.mentor_consent": (
        "{name}: нет согласия на обработку персональных данных, без него наставника нельзя "
        "закрепить"
    ),
    "pairing.mentor_capacity": (
        "{name}: свободно мест {free} из {capacity}, а наставляемых в паре {mentees}"
    ),
    "pairing.mentee_not_in_school": "выбранного наставляемого нет в базе наставляемых этой школы",
    "pairing.mentee_removed": "выбранный наставляемый удалён из базы по запросу",
    "pairing.mentee_category": "{name} — {category}, а в форме «{form}» наставляемый — {allowed}",
    "pairing.mentee_paired": "{name} уже в действующей паре № {pair} формы «{form}»",
    "registry.file_missing": "нет такого файла",
    "registry.header": "строка 1 (заголовок): {problems}; ожидаются столбцы: {known}",
    "registry.no_rows": "под заголовком нет ни одной строки",
    "registry.problems": "{count} {noun}, ничего не импортировано:\n  {lines}",
    "registry.pairs_unread": "{count} {noun}, пары не прочитаны:\n  {lines}",
    "registry.no_access": "нет доступа к реестру этой школы",
    # `nastavnik registry list / forms / pair / suggest` (nastavnik/cli_registry.py)
    "registry.list_school": (
        "{school} — {name}: наставников {mentors}, наставляемых {mentees} (с запросом "
        "{with_request}, ждут наставника {unpaired}), действующих пар {pairs}"
    ),
    "registry.list_no_consent": ", нет согласия на обработку ПДн",
    "registry.list_mentor": (
        "  {ref:<11} {name:<36} {category}, {position}; занято {taken} из {capacity}{consent}"
    ),
    "registry.list_pair": (
        "  пара {pair:<6} «{form}»{group}: {mentors} → {mentees}; {start} – {end}"
    ),
    "registry.no_suggestion": (
        "сейчас ни один наставник не может взять этого наставляемого (проверены согласие, "
        "свободные места и формы)"
    ),
    "registry.paired": "пара {pair}: {form}, {start} – {end}",
    "registry.or": " или ",
    "registry.form_off": " (отключена)",
    "indicators.target": "цель {target} %",
    "indicators.no_target": "цели нет",
    "indicators.achieved": " — достигнуто",
    "indicators.not_achieved": " — не достигнуто",
    "indicators.line": "    {target}; факт {value}{verdict}",
    # `nastavnik schools import` (nastavnik/cli_schools.py)
    "schools.confirm": "Применить изменения?",
    "schools.diff_added": "Добавятся школы ({count}):",
    "schools.diff_changed": "Изменятся школы ({count}):",
    "schools.diff_missing": "Нет в файле ({count}; останутся в системе без изменений):",
    "schools.diff_unchanged": "Без изменений: {count}.",
    "schools.diff_nothing": "Файл ничего не меняет.",
    "schools.applied": (
        "Импорт применён: добавлено школ — {added}, изменено — {changed}, "
        "без изменений — {unchanged}."
    ),
    # `nastavnik import` (nastavnik/cli_import.py)
    "import.read": (
        "{path}: прочитано шагов: {steps}, разделов: {sections}, замечаний: {problems}{draft}"
    ),
    "import.draft_at": "; черновик: {path}",
    "import.written": "{roadmap}: записано в {path}",
    "registry.at_column": "столбец {column} ({header})",
    "registry.at_field": "поле «{label}» (столбца {name} в файле нет)",
    "registry.row_problem": "строка {row}, {place}: {problem}",
    "registry.columns_missing": "нет столбцов {columns}",
    "registry.columns_unknown": "неизвестные столбцы {columns}",
    "registry.columns_repeated": "повторяются столбцы {columns}",
    "registry.repeats_row": "повторяет строку {row}",
    "registry.no_such_record": "«{value}»: такой записи нет в базе этой школы",
    "registry.not_among_mentors": (
        "«{value}»: нет в базе наставников этой школы (сначала импортируйте наставников)"
    ),
    "registry.not_among_mentees": (
        "«{value}»: нет в базе наставляемых этой школы (сначала импортируйте наставляемых)"
    ),
    "registry.pair_status": "«{value}»: допустимы «действует», «завершена», «прекращена»",
    "registry.group_differs": (
        "«{group}»: форма, даты, программа и статус группы должны совпадать со строкой {row}"
    ),
    "registry.mentee_in_row": "уже есть в строке {row}",
    "registry.mentee_is_mentor": "совпадает с наставником",
    # the portal's error pages (web/): their titles and texts
    "page.check_address": "Проверьте адрес или вернитесь на главную.",
    "page.document_file_missing": "Файла этого документа нет в хранилище портала (его сформировали вне портала или удалили).",
    "page.export_kinds": "Выгружаются наставники, наставляемые или пары в формате XLSX или CSV.",
    "page.file_removed": "Файл удалён из хранилища.",
    "page.file_unavailable": "Файл недоступен.",
    "page.form_stale": "Страница открыта слишком давно или из другого окна. Обновите её и повторите.",
    "page.internal": "Что-то пошло не так. Изменения не сохранены; попробуйте ещё раз.",
    "page.no_municipality": "Нет муниципалитета.",
    "page.no_rights": "У вас нет прав на это действие.",
    "page.no_such_action": "Нет такого действия.",
    "page.no_such_document": "Такого документа нет.",
    "page.no_such_file": "Такого файла нет.",
    "page.no_such_one": "Такого нет.",
    "page.no_such_school": "Такой школы нет.",
    "page.no_such_step": "Такого мероприятия нет.",
    "page.not_understood": "Адрес или данные формы не поняты.",
    "page.nothing_launched": "Ни одна дорожная карта ещё не запущена.",
    "page.registry_kinds": "В реестре есть наставники и наставляемые.",
    "page.title.activity_missing": "Мероприятие не найдено",
    "page.title.bad_character": "Недопустимый символ",
    "page.title.bad_request": "Неверный запрос",
    "page.title.document_missing": "Документ не найден",
    "page.title.draft_unreadable": "Черновик не читается",
    "page.title.error": "Ошибка",
    "page.title.failed": "Не получилось",
    "page.title.file_missing": "Файл не найден",
    "page.title.form_stale": "Форма устарела",
    "page.title.internal": "Внутренняя ошибка",
    "page.title.no_access": "Нет доступа",
    "page.title.no_data": "Нет данных",
    "page.title.no_export": "Нет такой выгрузки",
    "page.title.no_municipality": "Муниципалитет не настроен",
    "page.title.no_roadmap": "Нет дорожной карты",
    "page.title.page_missing": "Страница не найдена",
    "page.title.pair_missing": "Пара не найдена",
    "page.title.roadmap_missing": "Дорожная карта не найдена",
    "page.title.school_missing": "Школа не найдена",
    "page.title.step_missing": "Шаг не найден",
    "page.title.too_large": "Файл слишком большой",
    "page.title.unit_missing": "Подразделение не найдено",
    "page.title.user_missing": "Пользователь не найден",
    "page.too_large": "Можно загрузить файл не больше 10 МБ (PDF, JPEG или PNG). Вернитесь назад, уменьшите скан (например, 150–200 dpi) и отправьте форму ещё раз. Ничего не сохранено.",
    "page.unknown_action": "Неизвестное действие.",
    "page.title.not_allowed": "Так нельзя",
    "page.title.request_too_large": "Слишком большой запрос",
    "page.title.mentor_missing": "Наставник не найден",
    "page.title.mentee_missing": "Наставляемый не найден",
    "page.title.mentor_removed": "Наставник удалён",
    "page.title.mentee_removed": "Наставляемый удалён",
    "page.no_school": "Нет образовательной организации «{school}».",
    "page.no_pair": "В реестре этой школы нет пары № {pair}.",
    "page.no_roadmap": "Дорожной карты {roadmap} нет.",
    "page.no_draft_step": "Шага {step} в черновике нет.",
    "page.no_activity": "В дорожной карте нет мероприятия {step}.",
    "page.no_mentor": "В реестре этой школы нет записи наставника № {person}.",
    "page.no_mentee": "В реестре этой школы нет записи наставляемого № {person}.",
    "page.person_removed": "Запись {kind}:{person} удалена по запросу: её данные стёрты.",
    # a school's acts on a step page (web/views/school_actions.py): form checks, questions, results
    "act.number_empty": "Укажите номер документа (например, 45-од).",
    "act.number_long": "Номер слишком длинный (не больше 100 символов).",
    "act.date_empty": "Укажите дату документа.",
    "act.date_future": "Дата документа не может быть позже сегодняшней.",
    "act.date_year": "Проверьте год в дате документа.",
    "act.done": "Мероприятие {step} отмечено выполненным ({evidence}).",
    "act.evidence": "№ {number} от {date}",
    "act.undo_question": "Отменить отметку?",
    "act.undo_explained": (
        "Мероприятие снова станет невыполненным; если срок прошёл, оно будет считаться "
        "просроченным и попадёт в напоминания. Журнал сохранит, что отметка была и кто её "
        "отменил."
    ),
    "act.undo_yes": "Да, отменить отметку",
    "act.undone": "Отметка о мероприятии {step} отменена: оно снова в работе.",
    "act.reason_empty": "Укажите причину.",
    "act.reason_long": "Причина слишком длинная (не больше 500 символов).",
    "act.not_applicable_question": "Отметить мероприятие неприменимым?",
    "act.not_applicable_explained": (
        "Мероприятие больше не будет ждать выполнения и не попадёт в напоминания. "
        "Причина: «{reason}». Координатор увидит её в матрице."
    ),
    "act.not_applicable_yes": "Да, неприменимо",
    "act.not_applicable": "Мероприятие {step} отмечено неприменимым.",
    "act.rework_empty": "Напишите, что нужно доработать: школа увидит этот комментарий.",
    "act.comment_empty": "Комментарий пуст: напишите текст и отправьте ещё раз.",
    "act.comment_long": "Комментарий слишком длинный (не больше 2000 символов).",
    "act.returned": "Мероприятие {step} возвращено на доработку с комментарием.",
    "act.commented": "Комментарий к мероприятию {step} добавлен.",
    # the registry's people on the portal (web/views/registry_people.py)
    "people.add_title": "Добавить {whom}",
    "people.edit_title": "Изменить запись {whom}",
    "people.remove_title": "Удалить данные {whom} по запросу",
    "people.added": "{noun} «{name}» добавлен в базу.",
    "people.saved": "Запись «{name}» сохранена.",
    "people.changed_meanwhile": (
        "Кто-то изменил эту запись, пока страница была открыта: изменения не сохранены. "
        "Ниже — запись в её нынешнем виде; внесите изменения ещё раз."
    ),
    "people.reason_empty": "Укажите причину: чьё заявление или какой запрос исполняется.",
    "people.confirm_removal": "Подтвердите удаление: данные будут стёрты без возможности вернуть.",
    "people.pairs_ended": "; прекращено пар без участников: {count}",
    "people.removed": "Данные {person} удалены по запросу{pairs}.",
    # an invisible character in a form or an address (web/security.py)
    "form.bad_character": (
        "{place} содержит недопустимый невидимый символ ({character}). Уберите его (например, "
        "наберите значение заново, а не вставляйте из другой программы) и отправьте ещё раз. "
        "Ничего не сохранено."
    ),
    "form.field": "Поле «{label}»",
    "form.some_field": "Одно из полей формы",
    "form.file_name": "Имя файла",
    "form.address": "Адрес страницы",
    # the portal's forms and notices (web/views/): checks and results
    "account.calendar_revoked": "Ссылка на календарь отозвана.",
    "documents.report_made": "Отчёт сформирован.",
    "journal.date_empty": "Укажите дату.",
    "launch.choose_roadmap": "Выберите дорожную карту.",
    "numbers.none": "Введите хотя бы одно число.",
    "pairs.changed_meanwhile": "Кто-то изменил эту пару, пока страница была открыта: посмотрите её нынешнее состояние и повторите, если нужно.",
    "pairs.choose": "Выберите из списка.",
    "pairs.end_future": "Дата окончания не может быть позже сегодняшней.",
    "pairs.end_status": "Выберите: завершена или прекращена.",
    "pairs.not_active": "Пара уже не действует: обновите страницу.",
    "registry_files.kind": "Выберите, что в файле: наставники, наставляемые или пары.",
    "schools_import.changed_meanwhile": "Пока вы смотрели, список школ в системе изменился. Вот что изменится теперь.",
    "schools_import.kind": "Нужен файл .csv или .xlsx.",
    "schools_import.stale": "Форма устарела: загрузите файл ещё раз.",
    "schools_import.too_big": "Файл больше 5 МБ.",
    "signin.empty": "Введите адрес электронной почты и пароль.",
    "signin.link_email_empty": "Введите адрес электронной почты, на который прислать ссылку.",
    "signin.link_not_sent": "Письмо со ссылкой сейчас не удалось отправить: почтовый сервер недоступен или не принял адрес. Попробуйте позже или войдите по паролю.",
    "signin.link_sent": "Если такой адрес зарегистрирован, на него отправлено письмо со ссылкой для входа. Ссылка действует 30 минут и только один раз.",
    "signin.link_used": "Ссылка для входа устарела или уже использована. Запросите новую.",
    "signin.too_many_attempts": "Слишком много неудачных попыток входа. Подождите 15 минут или войдите по ссылке из письма.",
    "signin.too_many_links": "Слишком много запросов ссылки. Подождите 15 минут или войдите по паролю.",
    "signin.wrong": "Неверный адрес почты или пароль.",
    "units.choose_role": "Выберите роль подразделения из списка.",
    "units.role_taken": "Подразделение с этой ролью уже есть: измените его в списке ниже.",
    "upload.choose_table": "Выберите файл CSV или XLSX.",
    "users.choose_role": "Выберите роль: ответственный в ОО или наблюдатель.",
    "users.choose_school": "Выберите школу.",
    "users.email_empty": "Укажите адрес электронной почты, например ivanova@school.ru.",
    "users.email_taken": "Пользователь с таким адресом почты уже есть (см. список ниже).",
    "users.name_long": "Слишком длинно (не больше 200 символов).",
    "form.too_long": "Слишком длинно: не больше {limit} символов.",
    # the portal's notices after an act (web/views/): what was done, shown on the next page
    "notice.document_made": "Документ «{title}» сформирован.",
    "notice.not_launched": "Дорожная карта ещё не запущена.",
    "notice.step_changed_meanwhile": (
        "Кто-то уже изменил этот шаг, пока страница была открыта: посмотрите его состояние и "
        "повторите, если нужно."
    ),
    "notice.launched": (
        "Дорожная карта запущена: добавлено мероприятий — {steps}, школ — {schools}. "
        "Отменить запуск можно до первого письма на странице «Запуск»."
    ),
    "notice.launched_again": (
        "Дорожная карта уже была запущена: добавлено мероприятий — {steps}, школ — {schools}. "
        "Отменить запуск можно до первого письма на странице «Запуск»."
    ),
    "notice.launch_undone": "Запуск {roadmap} отменён: удалено мероприятий — {removed}.",
    "notice.launch_archived": (
        "Запуск {roadmap} в архиве: остаётся в отчётах, письма по нему больше не рассылаются."
    ),
    "notice.pair_formed": "Сформирована пара № {pair}.",
    "notice.group_formed": "Сформирована группа № {pair}.",
    "notice.pair_finished": "Пара № {pair} завершена с {day}.",
    "notice.pair_stopped": "Пара № {pair} прекращена с {day}.",
    "notice.registry_imported": (
        "Импорт «{kind}» из {file}: добавлено {added}, обновлено {updated}, "
        "без изменений {unchanged}."
    ),
    "notice.registry_csv_unreadable": "{file}: не удалось разобрать CSV; ничего не импортировано.",
    "notice.registry_not_table": (
        "Нужен файл .csv или .xlsx (в Excel: «Сохранить как» → «Книга Excel» или «CSV»)."
    ),
    "notice.registry_empty": "Файл пустой.",
    "notice.registry_too_big": (
        "Файл больше 5 МБ: в реестре школы столько строк не бывает — проверьте файл."
    ),
    "notice.registry_not_xlsx": "Содержимое файла не похоже на XLSX (книгу Excel).",
    "notice.registry_not_text": "Содержимое файла не похоже на CSV: это не текст.",
    "notice.registry_encoding": (
        "Не удалось прочитать текст файла: сохраните CSV в кодировке UTF-8."
    ),
    "notice.year_not_understood": "Год «{text}» не понят: показан {year} год.",
    "notice.totals_saved": "Численность сохранена: {year} год.",
    "notice.totals_saved_cleared": "Численность сохранена: {year} год. Очищено: {cleared}.",
    "notice.survey_saved": "Итоги опроса сохранены: {year} год.",
    "notice.survey_saved_cleared": "Итоги опроса сохранены: {year} год. Очищено: {cleared}.",
    "notice.numbers_unchanged": "Числа за {year} год не изменились — сохранять нечего.",
    "notice.schools_imported": "Импорт: добавлено школ — {added}, изменено — {changed}.",
    "notice.schools_imported_emails": (
        "Импорт: добавлено школ — {added}, изменено — {changed}, из них сменился адрес почты "
        "ответственного — {emails}."
    ),
    "notice.dates_set": "Сроки мероприятия {step} назначены ({count} шт.).",
    "notice.reminder_schools": (
        "Напоминание о мероприятии {step} поставлено в очередь писем: школ — {count}. "
        "Письма уйдут с ближайшей отправкой."
    ),
    "notice.reminder_units": (
        "Напоминание о мероприятии {step} поставлено в очередь писем: адресатов — {count}. "
        "Письма уйдут с ближайшей отправкой."
    ),
    "notice.unit_added": (
        "Подразделение {name} добавлено: напоминания о его шагах пойдут на {email}."
    ),
    "notice.unit_changed": "Подразделение {name} изменено.",
    "notice.unit_removed": "Подразделение {name} удалено: его шаги снова ведёт координатор.",
    "notice.unit_enabled": (
        "Подразделение {name} включено: напоминания о его шагах пойдут на {email}."
    ),
    "notice.unit_disabled": "Подразделение {name} отключено: его шаги снова ведёт координатор.",
    "notice.user_added": "Пользователь {email} добавлен. Ему отправлено письмо со ссылкой для входа.",
    "notice.user_added_not_invited": (
        "Пользователь {email} добавлен. Письмо-приглашение не отправлено: почтовый сервер "
        "недоступен. Отправьте приглашение ещё раз позже."
    ),
    "notice.user_invited": "{email}: ему отправлено письмо со ссылкой для входа.",
    "notice.user_not_invited": (
        "{email}: письмо-приглашение не отправлено, почтовый сервер недоступен. Отправьте "
        "приглашение ещё раз позже."
    ),
    "notice.user_disabled_first": "{email} отключён: сначала включите его.",
    "notice.user_enabled": "{email} снова может входить.",
    "notice.user_disabled": (
        "{email} отключён: его сеансы завершены, ссылка на календарь отозвана."
    ),
    "notice.missed_runs": (
        "{missed}: напоминания и эскалации того дня не были разосланы вовремя. Следующая "
        "проверка наверстает пропущенное; если сбой повторится, сообщите администратору "
        "(журнал запусков: nastavnik runs)."
    ),
    # the calendar feed (web/ical_feed.py, web/views/calendar.py)
    "calendar.link_invalid": (
        "Ссылка на календарь недействительна: получите новую на странице «Мой профиль»."
    ),
    "calendar.due": "Срок: {step} {title}",
    "calendar.due_at": "Срок: {step} ({school}) {title}",
    # what an invitation says the account may do (web/users.py, the sign-in letter)
    "invite.school_admin": "как ответственному в {school}",
    "invite.coordinator": "как муниципальному координатору",
    "invite.viewer": "для просмотра хода работ",
    # the portal's refusals (web/access.py): who may do what
    "access.municipal": "эта страница муниципалитета: её видят координатор и наблюдатель",
    "access.coordinator": "это делает муниципальный координатор",
    "access.other_school": (
        "это страница другой образовательной организации: вам доступна только своя"
    ),
    "access.read_only": "у вашей роли нет прав на изменения: наблюдатель только смотрит",
    "access.undo_mark": (
        "эту отметку сделал координатор или система по данным реестра: отменить её может "
        "только координатор. Напишите ему, если отметка ошибочна"
    ),
    "access.coordinator_accounts": "учётные записи координаторов меняют из командной строки",
    "registry.counts_only": (
        "персональные данные реестра видят только координатор и ответственные этой школы; "
        "наблюдателю доступны только количества"
    ),
    "launch.not_launched": "дорожная карта «{roadmap}» не запущена",
    # what `nastavnik launch` shows before it asks (nastavnik/cli_launch.py)
    "launch.preview_new": "Дорожная карта «{title}» ({roadmap}) — новый запуск",
    "launch.preview_again": (
        "Дорожная карта «{title}» ({roadmap}) — уже запущена: добавится только новое"
    ),
    "launch.preview_counts": (
        "  школ: {schools}; шагов: {steps}; будет создано экземпляров шагов: {instances}"
    ),
    "launch.period_ended": "  ВНИМАНИЕ: период {period} уже закончился (сегодня {today})",
    "launch.period_not_started": "  период {period} ещё не начался (сегодня {today})",
    "launch.period": "  период {period}, сегодня {today}",
    "launch.other_timezone": (
        "  ВНИМАНИЕ: часовой пояс дорожной карты {timezone}, а муниципалитета "
        "{municipality_timezone}: сроки считаются по поясу муниципалитета"
    ),
    "launch.past_due": "  ВНИМАНИЕ: уже просрочено экземпляров: {count}",
    "launch.none_past_due": "  просроченных нет",
    "launch.letters_to": "  при ближайшем ежедневном запуске письма получат:",
    "launch.no_letters": "  при ближайшем ежедневном запуске писем не будет",
    "launch.level.reminder": "    напоминание о сроке: {recipients}",
    "launch.level.overdue": "    о просрочке (исполнителю): {recipients}",
    "launch.level.coordinator": "    координатору: {recipients}",
    "launch.level.head": "    руководителю органа управления образованием: {recipients}",
    "launch.addresses": "{count} адрес(ов): {addresses}",
    "launch.and_more": " и ещё {count}",
    "launch.outside_kept": "  сроки вне периода: {steps} — будут запущены (--keep-outside)",
    "launch.outside_dropped": (
        "  сроки вне периода: {steps} — не будут запущены (чтобы запустить, добавьте "
        "--keep-outside)"
    ),
    "launch.unscheduled": "  без срока (даты задаст координатор: nastavnik schedule): {steps}",
    "launch.attention": "  ВНИМАНИЕ: {message}",
    "launch.confirm": "Запустить?",
    "launch.undone": "{roadmap}: запуск отменён; удалено экземпляров шагов: {removed}",
    "launch.archived_now": (
        "{roadmap}: запуск в архиве с {day}: остаётся в отчётах, ежедневный запуск его больше "
        "не рассматривает"
    ),
    "launch.launched": (
        "{roadmap}: запущена; добавлено экземпляров шагов: {instances}, школ: {schools}. "
        "Отменить до первого письма: nastavnik launch undo {roadmap}"
    ),
    "launch.launched_again": (
        "{roadmap}: уже была запущена; добавлено экземпляров шагов: {instances}, школ: "
        "{schools}. Отменить до первого письма: nastavnik launch undo {roadmap}"
    ),
    "launch.undo_after_letters": (
        "запуск «{roadmap}» уже нельзя отменить: по нему подготовлены или отправлены письма "
        "({count}); его можно только отправить в архив: nastavnik launch archive {roadmap}"
    ),
    "launch.undo_after_marks": (
        "запуск «{roadmap}» уже нельзя отменить: по его шагам есть отметки или документы "
        "({count}); его можно только отправить в архив: nastavnik launch archive {roadmap}"
    ),
    "launch.archived": "запуск «{roadmap}» уже в архиве с {day}",
    "launch.definition_changed": (
        "файл {path} изменён после запуска {day}: запуск идёт по той версии, что была запущена; "
        "новые школы получают её же"
    ),
    "mail.unknown_letter": "письма {letter} нет",
    # a delivery run's summary and why not every letter went out (notifications/delivery.py)
    "delivery.summary": (
        "письма: отправлено {sent}, ждут рабочего времени {deferred}, не доставлено {failed}, "
        "ждут повтора {waiting}"
    ),
    "delivery.put_off_count": "сервер отложил {count}, ответ 4xx",
    "delivery.server_down": "почтовый сервер недоступен: {server}",
    "delivery.done_meanwhile": (
        "выполнено после составления: убрано мероприятий {steps}, не отправлено писем {letters}"
    ),
    "delivery.not_all": "Не все письма доставлены: {reasons}{waiting}.",
    "delivery.server_unavailable": "почтовый сервер недоступен ({server})",
    "delivery.put_off": "сервер отложил {letters} ({reply})",
    "delivery.refused": (
        "сервер отказался принять {letters} ({reply}), список: nastavnik outbox --failed"
    ),
    "delivery.waiting": "; {letters} повторной попытки",
    "mail.gave_up": "попыток отправки: {attempts}, больше не пробуем: {detail}",
    "prefect.no_api_url": (
        "не задан PREFECT_API_URL: укажите адрес сервера Prefect, например "
        "«export PREFECT_API_URL=http://prefect.example.ru:4200/api» "
        "(без него Prefect создал бы пул и развёртывание на временном локальном сервере, "
        "который исчезнет вместе с командой)"
    ),
    "prefect.no_task_workers": (
        "развёртывание настроено на исполнителей задач (nastavnik deploy --task-workers), "
        "но ни один не подключён к серверу Prefect: запустите на машинах-исполнителях "
        "«nastavnik task-worker» с тем же PREFECT_API_URL"
    ),
    "prefect.unreachable": (
        "сервер Prefect по адресу {url} не отвечает ({detail}): "
        "запустите его («prefect server start») или исправьте PREFECT_API_URL"
    ),
    "prefect_server.needs_postgresql": (
        "сервер Prefect в нескольких процессах работает только с PostgreSQL: задайте "
        "PREFECT_API_DATABASE_CONNECTION_URL=postgresql+asyncpg://… (SQLite — только с --workers 1)"
    ),
    "prefect_server.needs_redis": (
        "процессам сервера Prefect нужен общий Redis: задайте {settings} "
        "и PREFECT_REDIS_MESSAGING_HOST / PREFECT_REDIS_MESSAGING_PORT"
    ),
    "prefect_server.no_prefect_redis": (
        "не установлен пакет prefect-redis: pip install 'nastavnik[scale]' (или prefect-redis)"
    ),
    "prefect_server.workers": "--workers {workers}: нужно число процессов не меньше 1",
    "serve.cron": (
        "--cron «{cron}»: это не расписание cron из пяти полей "
        "(минута, час, день месяца, месяц, день недели), например «0 9 * * *»"
    ),
    # `nastavnik runs`: the last daily runs (nastavnik/cli_ops.py)
    "runs.none": "Ежедневных проверок ещё не было.",
    "runs.title": "Последние ежедневные проверки (время — {timezone}):",
    "runs.day": "за {day}",
    "runs.started": "начата {moment}",
    "runs.lasted": "длилась {duration}",
    "runs.attempt": ", попытка {attempt}",
    "runs.decided": ", решений: {count}",
    "runs.seconds": "{seconds} с",
    "runs.minutes": "{minutes} мин {seconds} с",
    # a daily run's own record (engine/daily_runs.py): `nastavnik runs`, the portal, the letters
    "runs.crashed": (
        "процесс {pid} на {host} прекратил работу, не записав итог (последний признак жизни "
        "{heartbeat} UTC); отмечено следующим запуском"
    ),
    "runs.missed": (
        "в этот рабочий день проверка не запускалась (служба или сервер не работали); "
        "отмечено следующим запуском по расписанию"
    ),
    "runs.exit_code": "код выхода {exit_code}",
    "runs.missed_day": "Ежедневная проверка {dates} не выполнена",
    "runs.missed_days": "Ежедневные проверки {dates} не выполнены",
    "runs.missed_told": (
        "{missed} из-за сбоя. Пропущенное проверено и разослано следующей проверкой."
    ),
    # `nastavnik deploy` (nastavnik/cli_deploy.py)
    "deploy.done": (
        "развёртывание {deployment} на сервере {server}: по расписанию «{cron}» ({timezone}), "
        "пул «{pool}»\nзапустите на каждой машине-исполнителе: {command}"
    ),
    "deploy.task_workers": (
        "работу прогона выполняют исполнители задач: запустите на каждой машине (с тем же "
        "PREFECT_API_URL, NASTAVNIK_DB, NASTAVNIK_SMTP_URL и общим "
        "PREFECT_RESULTS_LOCAL_STORAGE_PATH): nastavnik task-worker"
    ),
    # backups (storage/backup.py)
    "backup.written": (
        "Резервная копия записана в {directory}: база данных ({database}, схема {revision}) "
        "и документы ({files})."
    ),
    "backup.confirm_restore": (
        "База данных {url} и папка документов будут заменены копией. Продолжить?"
    ),
    "backup.restored": (
        "Восстановлено из {directory}: база данных (схема {revision}) и документы ({files})."
    ),
    "backup.older_schema": (
        "Схема копии старше этой версии: выполните `nastavnik init`, чтобы обновить её."
    ),
    "backup.in_memory": "база данных в памяти: сохранять нечего",
    "backup.no_tool": (
        "не найдена программа {tool}: установите клиент PostgreSQL "
        "(apt-get install postgresql-client) той же версии, что и сервер"
    ),
    "backup.tool_failed": "{tool} завершился с ошибкой: {detail}",
    "backup.target_not_empty": "каталог не пуст: укажите новый каталог для копии",
    "backup.no_database": "база данных не создана: сохранять нечего",
    "backup.unsupported": "резервное копирование базы {dialect} не поддерживается",
    "backup.not_a_backup": "это не резервная копия nastavnik: нет файла backup.json",
    "backup.damaged": "файл повреждён{detail}",
    "backup.other_database": (
        "копия базы {copy}, а настроена база {dialect}: восстановите в базу того же вида"
    ),
    "backup.newer": (
        "копия сделана более новой версией nastavnik (схема {revision}, эта версия знает "
        "{head}): обновите nastavnik перед восстановлением"
    ),
    "backup.no_dump": "в копии нет файла базы данных",
    # steps, their marks and dates (engine/)
    "step.unknown": "в дорожной карте {roadmap} нет мероприятия «{step}»",
    "step.school_needed": "мероприятие {step} выполняет каждая школа: выберите школу",
    "step.municipal_only": (
        "мероприятие {step} выполняет муниципалитет, а не школа: школу указывать не нужно"
    ),
    "step.municipal": "мероприятие {step} муниципальное: школу выбирать не нужно",
    "step.not_launched_for_school": (
        "у этой школы нет такого мероприятия: сначала запустите для неё дорожную карту"
    ),
    "step.no_occurrence": "нет этапа {occurrence} (всего этапов: {count})",
    "step.nothing_to_undo": "отменять нечего: мероприятие и так в работе",
    "step.already_marked": "мероприятие уже отмечено: {state}{details}; обновите страницу",
    "step.changed_meanwhile": (
        "кто-то изменил мероприятие {step} в тот же момент: обновите страницу и повторите"
    ),
    "step.unknown_instance": "мероприятия № {instance} нет",
    "step.open_nothing_to_return": (
        "мероприятие и так не выполнено: возвращать на доработку нечего"
    ),
    "step.dates_in_roadmap": (
        "сроки мероприятия {step} заданы дорожной картой («{deadline}»): координатор назначает "
        "даты только мероприятиям «по отдельному графику»"
    ),
    "dates.outside_period": (
        "дата {day} вне периода дорожной карты ({period_start} – {period_end}) и года до и после "
        "него: допустимы даты с {earliest} по {latest}"
    ),
    "moment.without_zone": "время действия указано без часового пояса",
    "moment.in_future": "дата {day} ещё не наступила",
    "reason.required": "укажите причину",
    "dates.start_after_due": "начало ({start}) позже срока ({due})",
    "comment.required": "напишите комментарий",
    "comment.too_long": "комментарий слишком длинный (не больше {limit} символов)",
    "remind.nobody": (
        "напоминать некому: ни у одной школы это мероприятие не ждёт выполнения со сроком"
    ),
    "launch.unknown_schools": "нет таких школ: {schools}",
    "run.not_launched": "дорожная карта «{roadmap}» не запущена; запущены: {launched}",
    "run.not_chosen": "дорожная карта не запущена",
    "run.none_launched": (
        "ни одна дорожная карта ещё не запущена: запустите её на странице «Запуск» портала "
        "или командой «nastavnik launch ИДЕНТИФИКАТОР_КАРТЫ»"
    ),
    "run.several_launched": "запущено несколько дорожных карт ({launched}): выберите одну",
    # municipal units (подразделения): engine/units.py, `nastavnik units`, the portal's page
    "units.role": (
        "«{value}» — не подразделение: укажите роль подразделения ({roles}) или слово из "
        "таблицы ролей (ИМЦ, методический центр, экспертный совет)"
    ),
    "units.spec": (
        "«{value}»: нужно РОЛЬ=НАЗВАНИЕ:E-MAIL, например «ИМЦ=МАУ «ИМЦ»:imc@example.ru»"
    ),
    "units.email": "«{value}» — не адрес электронной почты",
    "units.email_missing": "укажите адрес электронной почты подразделения",
    "units.name": "укажите название подразделения",
    "units.name_long": "название длиннее 200 знаков: сократите его",
    "units.unknown": "подразделения с ролью «{role}» нет: список — nastavnik units list",
    "units.missing": (
        "у подразделения «{role}» ({role_id}) нет адреса: напоминания о {steps} получит "
        "муниципальный координатор; добавьте подразделение: "
        "nastavnik units add {role_id} --name НАЗВАНИЕ --email АДРЕС"
    ),
    "units.missing_page": (
        "у подразделения «{role}» нет адреса: напоминания о {steps} получит муниципальный "
        "координатор; добавьте подразделение в форме ниже"
    ),
    "units.saved": "подразделение {name} ({role}): {email} — {what}",
    "units.removed": "подразделение {name} ({role}) удалено: его шаги снова ведёт координатор",
    "units.none": "подразделений нет: шаги муниципального уровня ведёт координатор",
    "units.line": "{role}: {name}, адрес {email} — {state}",
    "units.added": "добавлено",
    "units.changed": "изменено",
    "units.off_suffix": ", отключено",
    "units.on": "действует",
    "units.off": "отключено",
    # the roadmap editor of the portal (#14)
    "editor.not_yaml": "черновик не читается как YAML: {problem}",
    "editor.not_roadmap": "черновик — не описание дорожной карты",
    "editor.no_step": "шага {step} в черновике нет",
    "editor.move_first": "шаг {step} уже первый",
    "editor.move_last": "шаг {step} уже последний",
    "editor.no_step_above": "над шагом {step} нет шага, подпунктом которого он мог бы стать",
    "editor.not_subrow": "шаг {step} не подпункт: поднимать некуда",
    "editor.id_taken": "дорожная карта {roadmap} уже есть в базе",
    "editor.published_id": "id опубликованной дорожной карты менять нельзя: сделайте копию",
    "editor.no_draft": "черновика нет: публиковать нечего",
    "editor.file_too_big": "Файл больше {limit} МБ.",
    "editor.no_file": "Выберите файл или вставьте таблицу в поле ниже.",
    "editor.file_unread": "Файл «{name}» не прочитан: {reason}",
    "editor.draft_read": (
        "Черновик прочитан из «{name}»: шагов — {steps}, замечаний — {problems}. "
        "Проверьте его и опубликуйте."
    ),
    "editor.no_source": "Выберите дорожную карту, с копии которой начать.",
    "editor.bad_id": "Код — латинские строчные буквы, цифры и дефисы, например plan-2023.",
    "editor.id_in_use": "Код {roadmap} уже занят: придумайте другой.",
    "editor.id_in_file": "Код {roadmap} уже занят файлом: придумайте другой.",
    "editor.copied": "Черновик {roadmap} — копия {source}.",
    "editor.unknown_move": "Неизвестное действие с шагом.",
    "editor.step_added": "Шаг добавлен: заполните его.",
    "editor.step_saved": "Шаг {step} сохранён.",
    "editor.header_saved": "Паспорт сохранён.",
    "editor.nothing_to_publish": "Черновика нет: публиковать нечего.",
    "editor.id_mismatch": "id в паспорте не совпадает с id черновика",
    # the journal's note of a draft's change (definitions/drafts.py, web/views/roadmaps.py); the
    # page flashes it too, with a capital and a full stop
    "editor.draft_from_file": "черновик из файла «{name}»",
    "editor.draft_copied": "копия дорожной карты {source}",
    "editor.header_changed": "изменён паспорт",
    "editor.moved_up": "шаг {step} перемещён выше",
    "editor.moved_down": "шаг {step} перемещён ниже",
    "editor.indented": "шаг {step} стал подпунктом шага {parent}",
    "editor.outdented": "шаг {step} больше не подпункт шага {parent}",
    "editor.removed": "шаг {step} удалён",
    "editor.added": "добавлен шаг {step}",
    "editor.changed": "шаг {step} изменён",
    "editor.renumbered": "шаг {step} изменён, новый номер {new_step}",
    "editor.published": "Опубликована версия {version}: дорожную карту можно запустить.",
    # the roadmap editor's drafts (definitions/drafts.py): a draft's report and its forms' checks
    "draft.yaml_line": "строка {line}: ",
    "draft.step_error": "шаг {step}: {problem}",
    "draft.dates_typed": "даты введены вручную: {start} – {end}",
    "draft.date_typed": "дата введена вручную: до {end}",
    "draft.unscheduled": "без срока: даты задаст координатор после запуска",
    "draft.unscheduled_phrase": "без срока: даты задаст координатор после запуска\nсрок документа: {phrase}",
    "draft.no_period": "период дорожной карты не задан: срок не прочитать",
    "draft.no_steps": "в дорожной карте нет ни одного шага",
    "draft.id_taken": "id {roadmap} уже занят ({by}): смените id в паспорте",
    "draft.code_repeats": "номер {step} уже есть у шага выше: номера не повторяются",
    "draft.deadline_unread": "срок не прочитан: {problem}",
    "draft.no_section": "раздела {section} нет",
    "draft.no_parent": "родительского шага {step} нет",
    "draft.depends_on_itself": "шаг не может зависеть от самого себя",
    "draft.no_previous": "предшествующего шага {step} нет",
    "draft.cycle": "предшествующие шаги замкнуты в круг: {cycle}",
    "draft.no_dates_yet": "без срока: после запуска даты задаст координатор (или впишите их сейчас)",
    "draft.code_empty": "Укажите номер шага, например 1.3 или 2.1.4.",
    "draft.code_characters": "В номере — только буквы, цифры, точки и дефисы (например 1.3).",
    "draft.code_taken": "Номер {step} уже есть у другого шага.",
    "draft.title_empty": "Впишите название мероприятия.",
    "draft.responsible_empty": "Впишите ответственного, как в документе.",
    "draft.roles_empty": "Выберите хотя бы одну роль.",
    "draft.unknown_roles": "Таких ролей нет в каталоге: {roles}.",
    "draft.scope": "Выберите, кто выполняет шаг.",
    "draft.unknown_previous": "Таких предшествующих шагов нет: {steps}.",
    "draft.unknown_documents": "Таких видов документов нет в каталоге: {documents}.",
    "draft.unknown_section": "Раздела {section} нет.",
    "draft.working_days": "Число рабочих дней: от 0 до 365.",
    "draft.not_a_date": "Не дата: {hint}.",
    "draft.end_before_start": "Дата окончания раньше даты начала.",
    "draft.deadline_empty": "Укажите срок: формулировку из документа, даты (начало и окончание) или отметьте «без срока».",
    "draft.deadline_not_read": "Срок не прочитан: {problem}. Впишите даты вручную (начало и окончание) или отметьте «без срока» — слова документа сохранятся.",
    "draft.bad_id": "Id — латинские строчные буквы, цифры и дефисы, например plan-2023.",
    "draft.title_missing": "Впишите название дорожной карты.",
    "draft.municipality_missing": "Впишите муниципалитет, например «Белоярский район».",
    "draft.issuer_missing": "Впишите, кто утвердил дорожную карту.",
    "draft.level": "Выберите уровень: муниципалитет или школа.",
    "draft.timezone": "Неизвестный часовой пояс: нужно название вроде Asia/Yekaterinburg.",
    "draft.date_missing": "Впишите дату: {hint}.",
    "draft.period_reversed": "Период кончается раньше, чем начинается.",
    # a coordinator's dates for a step «по отдельному графику» (web/views/step.py)
    "schedule.due_empty": "Укажите срок (дату).",
    "schedule.start_unread": "Дата начала не распознана.",
    "schedule.start_after_due": "Начало позже срока.",
    # documents from templates (documents/, `nastavnik docs`, the portal's document forms)
    "documents.unknown_template": "шаблона документа «{template}» нет; есть: {known}",
    "documents.missing_data": "не хватает данных: {fields}",
    "documents.field_missing": "не заполнено поле {path}",
    "documents.date": "нужна дата (15.05.2022 или 2022-05-15), а указано «{value}»",
    "documents.not_a_mapping": "нужно описание из полей (ключ: значение)",
    "documents.not_text": "нужен текст",
    "documents.not_a_list": "нужен список",
    "documents.not_one_of": "допустимые значения: {allowed}, а указано «{value}»",
    "documents.not_bool": "нужно true или false, а указано «{value}»",
    "documents.not_whole": "нужно целое число, а указано «{value}»",
    "documents.not_number": "нужно число, а указано «{value}»",
    "documents.data_unreadable": "файл данных не читается как JSON или YAML (строка {line})",
    "documents.data_not_mapping": (
        "в файле данных нужны поля документа (ключ: значение), например «number: 41-од»"
    ),
    "documents.school_needed": "«{title}» — документ школы: укажите школу",
    "documents.filter_date": "фильтр {filter} ждёт дату, а получил «{value}»",
    "documents.built_in_code": (
        "«{title}» строит программа (таблица Excel), у него нет файла шаблона .docx"
    ),
    "documents.not_a_register": "«{template}» — не реестр",
    "documents.unknown_sections": "строки ссылаются на разделы, которых нет в списке: {sections}",
    "documents.protocol_attendees": (
        "не заполнено ни поле attendees (кто присутствовал), ни attendees_count (сколько)"
    ),
    "documents.protocol_agenda": (
        "не заполнено поле agenda: в повестке заседания нужен хотя бы один пункт"
    ),
    "documents.template_place": "шаблон {file}",
    "documents.template_unreadable": "файл шаблона не читается (нет доступа или это не файл)",
    "documents.template_not_docx": "файл шаблона — не документ Word (.docx) или он повреждён",
    "documents.template_unknown_field": "шаблон использует поле {name}, которого нет в данных",
    "documents.template_broken": "шаблон испорчен: тег Jinja не читается{near}",
    "documents.template_near": " рядом с «{text}»",
    "documents.template_unclosed": ": блок «{{% {tag} %}}» не закрыт, нужен «{{% end{tag} %}}»",
    "documents.template_bad_xml": (
        "по шаблону получился повреждённый документ Word: проверьте теги в таблицах и абзацах"
    ),
    "documents.leftovers": (
        "в документе осталось «{found}» (каких-то данных нет или тег шаблона испорчен): «{line}»"
    ),
    "documents.check_unreadable": "не читается как шаблон .docx",
    "documents.out_suffix": (
        "документ «{title}» — файл .{format}: имя должно оканчиваться на .{format} "
        "(а не «{suffix}»)"
    ),
    "documents.no_suffix": "без расширения",
    "documents.rendered": "{path}{label}, контрольная сумма sha256 {sha256}",
    "documents.draft_label": " (черновик)",
    "documents.check_unknown": (
        "{file}: шаблон использует поля, которых нет в данных документа «{template}»: {fields}"
    ),
    "documents.check_unused": "{file}: можно использовать ещё: {fields}",
    "documents.check_schema": "схема данных: docs/documents.md",
    "documents.check_ok": "{file}: в порядке, все поля шаблона есть в данных",
    "documents.missing_for_page": "не хватает данных для документа: {what}",
    "documents.missing_where": "{what}. Где указать: {source}",
    "documents.not_offered": "такой документ этому мероприятию не нужен или для него нет шаблона",
    "documents.not_rendered": "документ не сформирован: {reason}",
    "documents.form_empty": "заполните поле «{label}»",
    "documents.form_too_long": "слишком длинно (не больше {limit} символов)",
    "documents.form_date": "укажите дату",
    "documents.form_year": "проверьте год",
    "documents.form_number": "укажите число больше нуля",
    "documents.number_taken": (
        "номер {number} уже есть у документа «{title}», сформированного {day}. У каждого "
        "документа свой номер: укажите другой или скачайте уже сформированный документ"
    ),
    "documents.missing_title": "Для документа «{title}» не хватает данных ({count}):",
    "documents.missing_draft": (
        "Или сформируйте черновик с пустыми местами для заполнения от руки: добавьте --draft."
    ),
    "documents.unknown_key": "неизвестный ключ {path}{hint}",
    "documents.unknown_key_hint": " — может быть, {key}?",
    "documents.unknown_keys": "{problems}. Ключи документа: {known}",
    # reading a municipality's own roadmap table (definitions/importing/)
    "import.whole_file": "весь файл: {problem}",
    "import.at_column": ", столбец «{column}»",
    "import.at_row": "таблица {table}, строка {row}{column}: {problem}",
    "import.no_steps": (
        "в таблицах файла не найдено ни одного мероприятия: нужна строка заголовков со "
        "словами «Мероприятие» (или «Наименование»), «Срок», «Ответственный»"
    ),
    "import.no_heading": "над таблицей нет заголовка: название взято из имени файла",
    "import.no_period": "в заголовке не указан период: принят {start} – {end}, проверьте",
    "import.no_municipality": (
        "муниципалитет не указан: задайте его (--municipality) или впишите в черновик"
    ),
    "import.default_timezone": (
        "часовой пояс принят Europe/Moscow: проверьте (--tz) перед запуском"
    ),
    "import.code_repeated": "номер {number} уже встречался: шагу присвоен номер {new}",
    "import.no_title": "нет названия мероприятия: впишите его",
    "import.start_not_date": "«{value}» — не дата ДД.ММ.ГГГГ: дата начала не взята",
    "import.end_before_start": ("дата окончания {end} раньше даты начала {start}: даты не взяты"),
    "import.no_deadline": "срок не указан: шаг без срока, даты задаст координатор",
    "import.deadline_unread": (
        "срок «{deadline}» не распознан ({expected}): слова сохранены, шаг помечен «без срока» — "
        "впишите даты вручную (start/end) или оставьте без срока"
    ),
    "import.deadline_expected": "ожидается дата, месяц, квартал, период или повторение",
    "import.deadline_outside": (
        "срок «{deadline}» выходит за период дорожной карты ({day}): проверьте год"
    ),
    "import.no_responsible": "ответственный не указан",
    "import.unknown_roles": (
        "не удалось сопоставить с ролью: {parts}{taken} (добавьте сокращение в таблицу ролей "
        "или выберите роль)"
    ),
    "import.role_taken": "; принята роль «{role}»",
    "import.no_role": "роль не определена: принята «{role}»",
    "import.draft_invalid": "черновик не прошёл проверку, файл не записан: {problem}",
    "import.column_number": "столбец {number}",
    "import.no_header_row": (
        "у таблицы нет строки заголовков (№, мероприятие, срок, ответственный): таблица пропущена"
    ),
    "import.section_without_code": "у раздела «{section}» нет номера: присвоен номер {number}",
    "import.not_a_code": "«{value}» не похоже на номер",
    "import.no_code": "нет номера",
    "import.code_given": "{why}: шагу присвоен номер {number}",
    "import.file_missing": "файл не найден",
    "import.too_big": "файл слишком большой ({size} МБ, можно до {limit} МБ)",
    "import.empty": "файл пуст",
    "import.password": "файл защищён паролем: откройте его, снимите пароль и сохраните заново",
    "import.old_format": (
        "файл старого формата Word/Excel (.doc, .xls): сохраните его как .docx или .xlsx"
    ),
    "import.table_too_long": (
        "в таблице {table} {rows} строк: это не похоже на дорожную карту "
        "(можно до {limit} строк в таблице)"
    ),
    "import.no_table": (
        "в файле не найдено ни одной таблицы: дорожная карта должна быть таблицей "
        "(№, мероприятие, срок, ответственный)"
    ),
    "import.damaged_archive": "файл повреждён или не является документом DOCX, XLSX или ODS",
    "import.opendocument_text": (
        "документ OpenDocument, но не таблица: сохраните его как .docx или .ods"
    ),
    "import.other_archive": "архив не является документом DOCX, XLSX или ODS",
    "import.sheet_too_long": (
        "на листе «{sheet}» {rows} строк: это не похоже на дорожную карту (можно до {limit} строк)"
    ),
    "import.ods_too_long": "на листе больше {limit} строк: это не похоже на дорожную карту",
    "import.pdf_password": "PDF защищён паролем: снимите пароль и сохраните файл заново",
    "import.pdf_too_long": "в PDF {pages} страниц: это не похоже на дорожную карту",
    "import.pdf_table_too_long": "в таблице больше {limit} строк: это не похоже на дорожную карту",
    "import.pdf_scan": (
        "в PDF нет текстового слоя (это скан или картинки): загрузите исходный файл Word или "
        "Excel либо PDF, сохранённый из них"
    ),
    "import.not_a_table": (
        "файл не похож ни на DOCX, XLSX, ODS или PDF, ни на таблицу, скопированную из Word "
        "или Excel (столбцы через табуляцию)"
    ),
    "import.text_too_long": (
        "в тексте {rows} строк: это не похоже на дорожную карту (можно до {limit} строк)"
    ),
    "import.unreadable": "{kind} не читается: файл повреждён или сохранён не в этом формате",
    "import.roles_missing": "файл таблицы ролей не найден",
    "import.roles_no_rules": "нужен список правил «rules»: - {{words: [...], role: ...}}",
    "import.roles_rule": "правило {rule}: нужны «words» (список слов) и «role» (роль)",
    "import.roles_unknown_role": "правило {rule}: роли «{role}» нет; есть: {known}",
    "import.roles_unreadable": (
        "таблица ролей не читается: нужен YAML в кодировке UTF-8 (список rules)"
    ),
    # the daily run's summary in the Prefect UI (flows/tick.py)
    "tick.title": "проверка на {moment} — {day}",
    "tick.day_off": "{day} (нерабочий день)",
    "tick.decided": "решено: {counts} (рассмотрено экземпляров мероприятий: {examined})",
    "tick.states": "состояния: {counts}",
    "tick.artifact_title": "ежедневный прогон на {moment}",
    "tick.artifact_what": "что",
    "tick.artifact_count": "сколько",
    "tick.artifact_decided": "решений, уровень {level}",
    "tick.artifact_examined": "рассмотрено (новые в окне или изменённые)",
    "tick.artifact_state": "состояние: {state}",
    # what is wrong in a YAML text (definitions/loader.py reads PyYAML's problem)
    "yaml.colon": (
        "лишнее двоеточие или неверный отступ: текст с «:» возьмите в кавычки, вложенные поля "
        "сдвиньте пробелами"
    ),
    "yaml.tab": "табуляция в отступе: отступы в YAML — только пробелы",
    "yaml.end": "текст оборвался: не закрыта кавычка или скобка",
    "yaml.bracket": "не закрыта квадратная скобка «[»",
    "yaml.brace": "не закрыта фигурная скобка «{{»",
    "yaml.alias": "ссылка «*…» на метку, которой нет",
    "yaml.no_colon": "после ключа нет двоеточия",
    "yaml.indent": "отступ строки не совпадает с соседними",
    "yaml.escape": "недопустимый знак после «\\» в кавычках: возьмите текст в одинарные кавычки",
    "yaml.other": "ошибка разметки YAML",
    # the command line's usage errors (typer/click would say them in English)
    "cli.missing_argument": "не указан аргумент {name}",
    "cli.missing_option": "не указан параметр {name}",
    "cli.no_such_option": "параметра {option} нет{hint}",
    "cli.did_you_mean": "; может быть, {options}?",
    "cli.bad_option": "параметр {option} указан неверно: после него нужно значение",
    "cli.bad_value": "{name}: такое значение не подходит",
    "cli.no_such_command": "команды «{command}» нет",
    "cli.usage": "команда вызвана неверно",
    "cli.help_hint": "справка: «{command} --help»",
    "cli.aborted": "прервано",
    # the Prefect server `nastavnik serve` starts, and letters' delivery
    "serve.prefect_server": "сервер Prefect: {url} (в его интерфейсе видны ежедневные прогоны)",
    "serve.prefect_log": "журнал сервера Prefect: {path}",
    "mail.unexpected_reply": "неожиданный ответ почтового сервера: {reply}",
    # `nastavnik outbox show`: a letter's headers as the coordinator reads them
    "outbox.letter": "Письмо: {letter} ({state})",
    "outbox.none": "писем нет",
    "outbox.sent_at": ", отправлено {moment} UTC",
    "outbox.attempts": ", попыток: {count}",
    "outbox.from": "От: {value}",
    "outbox.to": "Кому: {value}",
    "outbox.reply_to": "Ответ на адрес: {value}",
    "outbox.subject": "Тема: {value}",
    "outbox.message_id": "Идентификатор (Message-ID): {value}",
    "outbox.error": "Причина: {value}",
    # a mail server's reply (notifications/smtp.py): a Russian reason by its code, the server's own
    # words kept only as a technical addendum in brackets
    "mail.reply": "{reason} [сервер: {reply}]",
}

# what a mail server's reply code means (``smtp_reason``): by the exact code, then by its class
SMTP_REPLIES: dict[str, str] = {
    "smtp.421": "почтовый сервер временно недоступен и закрыл соединение: письмо отправится позже",
    "smtp.450": "почтовый ящик получателя временно недоступен: письмо отправится позже",
    "smtp.451": "почтовый сервер временно не принял письмо: письмо отправится позже",
    "smtp.452": "на почтовом сервере временно не хватает места: письмо отправится позже",
    "smtp.4xx": "почтовый сервер временно не принял письмо: письмо отправится позже",
    "smtp.530": "почтовый сервер требует входа: укажите имя и пароль в NASTAVNIK_SMTP_URL",
    "smtp.535": "почтовый сервер не принял имя пользователя и пароль",
    "smtp.550": "адрес получателя не существует или отклонён",
    "smtp.551": "получатель не обслуживается этим почтовым сервером",
    "smtp.552": "письмо слишком большое или почтовый ящик получателя переполнен",
    "smtp.553": "адрес записан с ошибкой или не разрешён сервером",
    "smtp.554": "почтовый сервер отклонил письмо",
    "smtp.5xx": "почтовый сервер отказался принять письмо",
}
CATALOGUE.update(SMTP_REPLIES)

# the inputs an error can be about (``NastavnikError(field=…)``), in the words a user knows
FIELDS: dict[str, str] = {
    "at": "дата выполнения",
    "clear": "очистить",
    "code": "код",
    "comment": "комментарий",
    "coordinator": "адрес координатора",
    "head": "адрес руководителя",
    "municipality": "муниципалитет",
    "due": "срок",
    "email": "адрес электронной почты",
    "occurrence": "этап",
    "reason": "причина",
    "format": "формат",
    "kind": "вид записей",
    "title": "название",
    "mentor_category": "категория наставника",
    "mentee_categories": "категории наставляемых",
    "status": "статус",
    "roadmap": "дорожная карта",
    "role": "роль",
    "school": "школа",
    "schools": "школы",
    "start": "начало",
    "timezone": "часовой пояс",
    "step": "мероприятие",
    "out": "файл документа",
    "password": "пароль",
}

# a letter's state as a person reads it
LETTER_STATES: dict[str, str] = {
    "composing": "составляется",
    "pending": "ждёт отправки",
    "sending": "отправляется",
    "sent": "отправлено",
    "failed": "не отправлено",
    "cancelled": "отменено",
}

# a step's state as a person reads it
STEP_STATES: dict[str, str] = {
    "done": "выполнено",
    "done_late": "выполнено с опозданием",
    "not_applicable": "неприменимо",
    "open": "в работе",
}


def render_message(code: str, **params: object) -> str:
    """The Russian text of ``code`` with its parameters; an unknown code is a programming error."""
    return CATALOGUE[code].format(**params)


def render_count(code: str, *, count: int) -> str:
    """A count with its noun in the form Russian gives it: «1 файл», «3 файла», «5 файлов». The
    text of ``code`` holds the three forms, for 1, for 2–4 and for 5 or more, split by « | »."""
    from common.russian import plural_ru

    one, few, many = CATALOGUE[code].split(" | ")
    return plural_ru(count, one, few, many).format(count=count)


def message_fields(code: str) -> set[str]:
    """The parameters the text of ``code`` asks for."""
    return {name for _, name, _, _ in string.Formatter().parse(CATALOGUE[code]) if name}


# the Russian reason for a technical failure a user is told about (``reason_of``), by its kind
REASONS: dict[str, str] = {
    "reason.not_found": "нет такого файла или папки",
    "reason.no_access": "нет прав доступа",
    "reason.no_space": "на диске нет места",
    "reason.read_only": "файловая система только для чтения",
    "reason.exists": "такой файл уже есть",
    "reason.is_folder": "это папка, а не файл",
    "reason.not_folder": "на пути папки стоит файл",
    "reason.refused": "сервер не принимает соединения (не запущен или закрыт порт)",
    "reason.timeout": "сервер не ответил вовремя",
    "reason.unreachable": "сервер недоступен по сети",
    "reason.reset": "сервер разорвал соединение",
    "reason.unknown_host": "имя сервера не найдено (проверьте адрес)",
    "reason.tls": "не удалось установить защищённое соединение (TLS)",
    "reason.login": "сервер не принял имя пользователя или пароль",
    "reason.no_database": "базы данных с таким именем нет",
    "reason.locked": "база данных занята другим процессом",
    "reason.not_a_database": "файл не является базой данных или повреждён",
    "reason.damaged": "содержимое повреждено или в неверном формате",
    "reason.other": "техническая причина записана в журнал",
}
CATALOGUE.update(REASONS)

# what drivers and servers say, in their words (lower case), for the kinds above
_SAID = (
    ("connection refused", "reason.refused"),
    ("password authentication failed", "reason.login"),
    ("authentication", "reason.login"),
    ("does not exist", "reason.no_database"),
    ("could not translate host name", "reason.unknown_host"),
    ("name or service not known", "reason.unknown_host"),
    ("nodename nor servname", "reason.unknown_host"),
    ("timeout", "reason.timeout"),
    ("timed out", "reason.timeout"),
    ("unable to open database file", "reason.not_found"),
    ("database is locked", "reason.locked"),
    ("file is not a database", "reason.not_a_database"),
    ("no route to host", "reason.unreachable"),
    ("network is unreachable", "reason.unreachable"),
    ("connection reset", "reason.reset"),
    ("server disconnected", "reason.reset"),
    ("connection unexpectedly closed", "reason.reset"),
    ("permission denied", "reason.no_access"),
    ("no space left", "reason.no_space"),
    ("read-only file system", "reason.read_only"),
    ("no such file", "reason.not_found"),
)


def reason_of(error: BaseException | str | None) -> str:
    """A technical failure (an OSError, a driver's or server's error, a tool's last line) as a
    person reads it, in Russian, by its kind; its own English text goes to the log only."""
    import errno
    import logging
    import socket
    import ssl

    logging.getLogger("nastavnik").info(
        "technical detail: %s: %s",
        type(error).__name__ if isinstance(error, BaseException) else "output",
        error,
    )
    by_errno = {
        errno.ENOENT: "reason.not_found",
        errno.EACCES: "reason.no_access",
        errno.EPERM: "reason.no_access",
        errno.ENOSPC: "reason.no_space",
        errno.EROFS: "reason.read_only",
        errno.EEXIST: "reason.exists",
        errno.EISDIR: "reason.is_folder",
        errno.ENOTDIR: "reason.not_folder",
        errno.ECONNREFUSED: "reason.refused",
        errno.ETIMEDOUT: "reason.timeout",
        errno.EHOSTUNREACH: "reason.unreachable",
        errno.ENETUNREACH: "reason.unreachable",
        errno.ECONNRESET: "reason.reset",
        errno.EPIPE: "reason.reset",
    }
    code = None
    if isinstance(error, socket.gaierror):
        code = "reason.unknown_host"
    elif isinstance(error, ssl.SSLError):
        code = "reason.tls"
    elif isinstance(error, TimeoutError):
        code = "reason.timeout"
    elif isinstance(error, OSError) and error.errno in by_errno:
        code = by_errno[error.errno]
    elif isinstance(error, UnicodeError | ValueError):
        code = "reason.damaged"
    if code is None:
        said = str(error).lower()
        cause = getattr(error, "__cause__", None) or getattr(error, "__context__", None)
        if isinstance(cause, BaseException) and cause is not error:
            said += " " + str(cause).lower()
        code = next((kind for words, kind in _SAID if words in said), "reason.other")
    return render_message(code)


def smtp_reason(code: int, reply: str) -> str:
    """A mail server's reply (``550 5.1.1 User unknown``) as a person reads it: a Russian reason by
    its code, the server's own words after it in brackets (they also go to the log)."""
    import logging

    logging.getLogger("nastavnik").info("mail server replied: %s", reply)
    kind = f"smtp.{code}" if f"smtp.{code}" in CATALOGUE else f"smtp.{code // 100}xx"
    if kind not in CATALOGUE:
        return render_message("mail.unexpected_reply", reply=reply)
    return render_message("mail.reply", reason=render_message(kind), reply=reply)
