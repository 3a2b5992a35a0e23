"""Words for generated history: names, subjects and bodies in the languages customers use.

Kept small and hand-written so the generator needs no data download; variety comes from
combining sentences. Each language has the same shape so the generator can treat them alike.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Language:
    code: str
    weight: float  # share of customers writing in it
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    subjects: tuple[str, ...]
    openings: tuple[str, ...]
    sentences: tuple[str, ...]
    closings: tuple[str, ...]
    replies: tuple[str, ...]


LANGUAGES: tuple[Language, ...] = (
    Language(
        "en",
        0.42,
        ("Emma", "Oliver", "Ava", "James", "Sophia", "Liam", "Mia", "Noah", "Grace", "Ethan"),
        ("Smith", "Johnson", "Brown", "Taylor", "Walker", "Clarke", "Wright", "Evans"),
        (
            "Invoice {n} is wrong",
            "Cannot log in",
            "Refund for order {n}",
            "Question about my subscription",
            "Delivery has not arrived",
            "Change the billing address",
            "Feature request: export to CSV",
            "Your app crashes on startup",
            "Password reset link expired",
            "Upgrade to the team plan",
        ),
        ("Hello,", "Hi there,", "Good morning,", "Dear support team,"),
        (
            "I was charged twice for the same month.",
            "The page keeps loading and nothing happens.",
            "Could you tell me when my order will be shipped?",
            "We would like to add three more seats to our account.",
            "The PDF attached to the invoice cannot be opened.",
            "Since yesterday the sync no longer works on my phone.",
            "Is there a discount for non-profit organisations?",
            "I followed the steps in the help centre but it did not help.",
            "Please cancel my subscription at the end of the period.",
            "Our accountant needs the VAT number on every invoice.",
        ),
        ("Thanks,", "Best regards,", "Cheers,", "Kind regards,"),
        (
            "Thanks for reaching out! I have corrected the invoice and sent a new copy.",
            "Sorry for the trouble. Could you send us a screenshot of the error?",
            "Your refund has been issued and should arrive within five working days.",
            "I have added the seats; they are available right away.",
        ),
    ),
    Language(
        "de",
        0.14,
        ("Jürgen", "Anna", "Lukas", "Lea", "Maximilian", "Sophie", "Jonas", "Marie"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weiß", "Größer", "Becker"),
        (
            "Rechnung {n} ist fehlerhaft",
            "Anmeldung nicht möglich",
            "Rückerstattung für Bestellung {n}",
            "Frage zu meinem Abonnement",
            "Lieferung ist nicht angekommen",
            "Änderung der Rechnungsadresse",
        ),
        ("Hallo,", "Guten Tag,", "Sehr geehrte Damen und Herren,"),
        (
            "Mir wurde derselbe Monat zweimal berechnet.",
            "Die Seite lädt ständig und nichts passiert.",
            "Wann wird meine Bestellung verschickt?",
            "Wir möchten drei weitere Plätze hinzufügen.",
            "Die angehängte Rechnung lässt sich nicht öffnen.",
            "Seit gestern funktioniert die Synchronisierung nicht mehr.",
            "Bitte kündigen Sie mein Abonnement zum Ende der Laufzeit.",
        ),
        ("Viele Grüße,", "Mit freundlichen Grüßen,", "Danke und Gruß,"),
        (
            "Vielen Dank für Ihre Nachricht! Die Rechnung ist korrigiert.",
            "Entschuldigen Sie die Umstände. Könnten Sie uns einen Screenshot schicken?",
            "Die Erstattung ist veranlasst und kommt in fünf Werktagen an.",
        ),
    ),
    Language(
        "fr",
        0.09,
        ("Camille", "Louis", "Chloé", "Hugo", "Léa", "Gabriel", "Manon", "Théo"),
        ("Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Girard", "Rousseau"),
        (
            "La facture {n} est incorrecte",
            "Impossible de me connecter",
            "Remboursement de la commande {n}",
            "Question sur mon abonnement",
            "Colis non reçu",
        ),
        ("Bonjour,", "Madame, Monsieur,", "Bonsoir,"),
        (
            "J'ai été débité deux fois pour le même mois.",
            "La page se charge sans fin et rien ne se passe.",
            "Pourriez-vous me dire quand ma commande sera expédiée ?",
            "Nous souhaitons ajouter trois licences à notre compte.",
            "Le PDF joint à la facture ne s'ouvre pas.",
            "Merci de résilier mon abonnement à la fin de la période.",
        ),
        ("Cordialement,", "Merci d'avance,", "Bien à vous,"),
        (
            "Merci pour votre message ! La facture a été corrigée.",
            "Désolé pour ce désagrément. Pouvez-vous nous envoyer une capture d'écran ?",
        ),
    ),
    Language(
        "es",
        0.08,
        ("Lucía", "Mateo", "Sofía", "Hugo", "Martina", "Pablo", "Valeria", "Álvaro"),
        ("García", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez"),
        (
            "La factura {n} es incorrecta",
            "No puedo iniciar sesión",
            "Reembolso del pedido {n}",
            "Pregunta sobre mi suscripción",
            "El envío no ha llegado",
        ),
        ("Hola,", "Buenos días,", "Estimado equipo de soporte,"),
        (
            "Me han cobrado dos veces el mismo mes.",
            "La página se queda cargando y no pasa nada.",
            "¿Cuándo se enviará mi pedido?",
            "Queremos añadir tres usuarios más a nuestra cuenta.",
            "Por favor, cancelen mi suscripción al final del periodo.",
        ),
        ("Saludos,", "Un saludo,", "Gracias de antemano,"),
        (
            "¡Gracias por escribirnos! Hemos corregido la factura.",
            "Sentimos las molestias. ¿Podría enviarnos una captura de pantalla?",
        ),
    ),
    Language(
        "nl",
        0.06,
        ("Daan", "Emma", "Sem", "Julia", "Lucas", "Tess", "Milan", "Sanne"),
        ("de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser"),
        (
            "Factuur {n} klopt niet",
            "Kan niet inloggen",
            "Terugbetaling voor bestelling {n}",
            "Vraag over mijn abonnement",
        ),
        ("Hallo,", "Goedemorgen,", "Beste supportafdeling,"),
        (
            "Ik heb twee keer voor dezelfde maand betaald.",
            "De pagina blijft laden en er gebeurt niets.",
            "Wanneer wordt mijn bestelling verzonden?",
            "Wij willen drie extra gebruikers toevoegen.",
            "Graag mijn abonnement opzeggen aan het einde van de periode.",
        ),
        ("Met vriendelijke groet,", "Groetjes,", "Alvast bedankt,"),
        (
            "Bedankt voor je bericht! De factuur is aangepast.",
            "Sorry voor het ongemak. Kun je een schermafbeelding sturen?",
        ),
    ),
    Language(
        "it",
        0.06,
        ("Giulia", "Leonardo", "Sofia", "Francesco", "Aurora", "Alessandro", "Chiara"),
        ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo"),
        (
            "La fattura {n} è sbagliata",
            "Non riesco ad accedere",
            "Rimborso dell'ordine {n}",
            "Domanda sul mio abbonamento",
        ),
        ("Buongiorno,", "Salve,", "Gentile assistenza,"),
        (
            "Mi è stato addebitato due volte lo stesso mese.",
            "La pagina continua a caricare e non succede nulla.",
            "Quando verrà spedito il mio ordine?",
            "Vorremmo aggiungere tre utenti al nostro account.",
            "Vi prego di disdire il mio abbonamento alla scadenza.",
        ),
        ("Cordiali saluti,", "Grazie mille,", "Un saluto,"),
        (
            "Grazie per averci scritto! Abbiamo corretto la fattura.",
            "Ci scusiamo per il disagio. Può inviarci uno screenshot?",
        ),
    ),
    Language(
        "zh",
        0.07,
        ("伟", "芳", "娜", "敏", "静", "磊", "洋", "艳"),
        ("王", "李", "张", "刘", "陈", "杨", "赵"),
        (
            "发票 {n} 有误",
            "无法登录",
            "订单 {n} 退款",
            "关于我的订阅的问题",
            "包裹还没有到",
        ),
        ("您好，", "你好，", "尊敬的客服，"),
        (
            "同一个月被扣了两次费用。",
            "页面一直在加载，没有任何反应。",
            "请问我的订单什么时候发货？",
            "我们想在账户中再添加三个席位。",
            "发票附件的 PDF 打不开。",
            "请在本期结束时取消我的订阅。",
        ),
        ("谢谢！", "此致敬礼", "祝好"),
        (
            "感谢您的来信！我们已经更正了发票。",
            "很抱歉给您带来不便。能否发一张截图给我们？",
        ),
    ),
    Language(
        "ja",
        0.03,
        ("翔", "陽菜", "蓮", "結衣", "湊", "葵"),
        ("佐藤", "鈴木", "高橋", "田中", "渡辺"),
        ("請求書 {n} が間違っています", "ログインできません", "注文 {n} の返金について"),
        ("こんにちは。", "お世話になっております。"),
        (
            "同じ月の料金が二重に請求されました。",
            "ページが読み込み中のまま何も起こりません。",
            "注文はいつ発送されますか？",
        ),
        ("よろしくお願いいたします。", "ありがとうございます。"),
        ("ご連絡ありがとうございます。請求書を修正しました。",),
    ),
    Language(
        "ru",
        0.03,
        ("Иван", "Анна", "Дмитрий", "Мария", "Сергей", "Ольга"),
        ("Иванов", "Смирнова", "Кузнецов", "Попова", "Соколов"),
        ("Счёт {n} неверный", "Не могу войти", "Возврат по заказу {n}"),
        ("Здравствуйте,", "Добрый день,"),
        (
            "С меня дважды списали оплату за один месяц.",
            "Страница всё время загружается, и ничего не происходит.",
            "Когда будет отправлен мой заказ?",
        ),
        ("С уважением,", "Спасибо,"),
        ("Спасибо за обращение! Мы исправили счёт.",),
    ),
    Language(
        "ar",
        0.02,
        ("محمد", "فاطمة", "أحمد", "مريم", "علي"),
        ("الحسن", "العلي", "الخطيب", "السيد"),
        ("الفاتورة {n} غير صحيحة", "لا أستطيع تسجيل الدخول"),
        ("مرحبا،", "السلام عليكم،"),
        ("تم خصم المبلغ مرتين لنفس الشهر.", "الصفحة لا تتوقف عن التحميل."),
        ("شكرا،", "مع التحية،"),
        ("شكرا لتواصلك معنا! تم تصحيح الفاتورة.",),
    ),
)

MAIL_DOMAINS = (
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "web.de",
    "orange.fr",
    "libero.it",
    "ziggo.nl",
    "qq.com",
    "163.com",
    "yandex.ru",
    "acme-corp.example",
    "globex.example",
    "initech.example",
    "umbrella.example",
)

INBOX_NAMES = (
    "Support",
    "Billing",
    "Sales",
    "Info",
    "Partners",
    "Press",
    "Jobs",
    "Security",
    "Returns",
    "Wholesale",
    "Events",
    "Legal",
)

LABEL_NAMES = (
    "Billing",
    "Bug",
    "Feature request",
    "Refund",
    "VIP",
    "Urgent",
    "Shipping",
    "Account",
    "Onboarding",
    "Churn risk",
    "Invoice",
    "Integration",
    "Mobile",
    "Security",
    "Feedback",
    "Partnership",
    "Press",
    "Legal",
    "GDPR",
    "Escalated",
    "Enterprise",
    "Trial",
    "Education",
    "Non-profit",
    "Spam report",
    "Outage",
    "Data export",
    "SSO",
    "API",
    "Translation",
)

LABEL_COLOURS = ("#d97706", "#dc2626", "#2563eb", "#059669", "#7c3aed", "#db2777", "#0891b2")
