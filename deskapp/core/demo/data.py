"""The demo's generated data: customers' names, addresses, notes, comments and the staff's write-ups.

Data, not words: these are what customers and staff would have typed into a real branch (a name, a
note, a survey comment in the customer's own language), stored as they are and shown as stored, so
they are never translated (issue 20: generated data is data). They live here, each line marked
'# i18n: not words', so that the demo's code modules are scanned for words like any other.
"""
from __future__ import annotations

# --- customers (demo.branch) ---------------------------------------------------------------------------------

FIRST_NAMES = [
    "João", "Maria", "Conceição", "Inês", "Gonçalo", "Tiago", "Beatriz", "Ana", "Luís", "Mariana",  # i18n: not words
    "Jürgen", "Anja", "Björn", "Sören", "Zoë", "Hélène", "François", "Amélie", "Jérôme", "Noël",  # i18n: not words
    "Ayşe", "Mehmet", "Çağla", "Şebnem", "Emre", "Núñez", "Pilar", "Begoña", "Íñigo", "Lucía",  # i18n: not words
    "Łukasz", "Małgorzata", "Wojciech", "Zofia", "Ștefan", "Ioana", "Nguyễn", "Minh", "Oluwaseun",  # i18n: not words
    "Amara", "Priya", "Arjun", "Siobhán", "Seán", "Mohammed", "Fatima", "Olena", "Dmytro",  # i18n: not words
]
LAST_NAMES = [
    "Silva", "Santos", "Ferreira", "Gonçalves", "Conceição", "Magalhães", "Araújo", "Simões",  # i18n: not words
    "Brandão", "Müller", "Schäfer", "Groß", "Köhler", "Weiß", "Lefèvre", "Dubois", "Bérénger",  # i18n: not words
    "Moreau", "Yılmaz", "Öztürk", "Şahin", "Çelik", "Doğan", "Núñez", "Peña", "Muñoz", "Ibáñez",  # i18n: not words
    "Wójcik", "Kowalczyk", "Dąbrowski", "Popescu", "Țurcanu", "Trần", "Phạm", "Adébáyọ̀", "Okafor",  # i18n: not words
    "Patel", "Ó Briain", "Al-Hashimi", "Kovalenko", "Shevchenko", "Costa", "Marques", "Pereira",  # i18n: not words
    "Rodrigues", "Almeida",  # i18n: not words
]

# --- customer records (demo.customers) -----------------------------------------------------------------------

STREETS = ("Rua das Flores", "Rua Augusta", "Rua do Ouro", "Rua da Prata", "Rua Garrett")  # i18n: not words
CITY = "Lisboa"  # i18n: not words
NOTES = {
    "call": ["Called about the card renewal", "Asked for a call back about savings rates",  # i18n: not words
             "Confirmed the new address by phone", "Reminded of the KYC documents"],  # i18n: not words
    "meeting": ["Annual review with the account manager", "Mortgage simulation discussed",  # i18n: not words
                "Retirement planning conversation", "Discussed investment profile"],  # i18n: not words
    "note": ["Prefers contact by email", "Hard of hearing: speak clearly",  # i18n: not words
             "Travels often in the summer", "Interested in the new app"],  # i18n: not words
}
NEED_TEXT = {
    "savings": "Wants to save for the children's studies",  # i18n: not words
    "credit": "Asked about a personal loan for a car",  # i18n: not words
    "mortgage": "Looking for a flat, may need a mortgage",  # i18n: not words
    "insurance": "No home insurance yet",  # i18n: not words
    "investment": "Has savings idle in the current account",  # i18n: not words
    "cards": "Card limit too low when travelling",  # i18n: not words
    "digital_banking": "Not using online banking yet",  # i18n: not words
    "other": "Asked about a safe deposit box",  # i18n: not words
}
LIFE_NOTES = {
    "new_job": "Started a new job", "moved": "Moved house", "child": "Had a baby",  # i18n: not words
    "retirement": "Retired this year", "other": "Told us about a change at home",  # i18n: not words
}

# --- feedback (demo.feedback): comments in the customers' languages, the staff's write-ups ------------------

COMMENTS = {
    "waiting_time": [
        "A espera foi demasiado longa.", "Fila enorme e só dois balcões abertos.",  # i18n: not words
        "Demorou imenso, esperei 40 minutos.", "The wait was far too long.",  # i18n: not words
        "Long queue and only two counters open.", "Viel zu lange Wartezeit.",  # i18n: not words
        "Trop d'attente au guichet.", "Demasiada espera en la fila.",  # i18n: not words
    ],
    "attitude": [
        "O funcionário foi antipático.", "Atendimento mal-educado, não volto.",  # i18n: not words
        "The teller was rude to me.", "Der Mitarbeiter war unhöflich.",  # i18n: not words
        "Personnel impoli et pressé.",  # i18n: not words
    ],
    "complaint": [
        "Quero fazer uma reclamação sobre as comissões.", "Vou escrever no livro de reclamações.",  # i18n: not words
        "I want to make a complaint about the fees.",  # i18n: not words
        "Ich habe eine Beschwerde über die Gebühren.", "Je vais déposer une plainte.",  # i18n: not words
    ],
    "praise": [
        "Excelente atendimento, muito obrigado!",  # i18n: not words
        "A funcionária foi muito simpática e prestável.", "Very helpful, thank you!",  # i18n: not words
        "Sehr freundlich, danke!", "Parfait, merci beaucoup.", "Excelente, gracias.",  # i18n: not words
    ],
    "neutral": ["Tudo normal.", "Correu bem.", "Fine.", "Could be quicker.", "Alles gut.",  # i18n: not words
                "Rien à signaler."],  # i18n: not words
}
FEEDBACK_RESOLUTIONS = {  # theme: (root cause code, the resolution written)
    "waiting_time": ("waiting_time", "Called the customer, apologised for the wait and "  # i18n: not words
                                     "explained the new lunch-time rota."),
    "attitude": ("staff_attitude", "Apologised on behalf of the branch; spoke with the colleague "  # i18n: not words
                                   "and noted it for coaching."),
    "complaint": ("fees", "Reviewed the fees with the customer; refunded one maintenance fee "  # i18n: not words
                          "as a goodwill gesture."),
    "other": ("process", "Called the customer, solved the open question and booked "  # i18n: not words
                         "a follow-up meeting."),
}
CONTACTS = ["Reached the customer by phone.", "Voicemail left; will try again tomorrow.",  # i18n: not words
            "Reached by email."]  # i18n: not words

# --- the relationship managers' follow-ups (demo.relationship) ----------------------------------------------

FOLLOWUP_REASONS = ["Annual portfolio review", "Call back about savings rates",  # i18n: not words
                    "Send the mortgage simulation", "Check the card limit increase",  # i18n: not words
                    "Invite to the investment evening", "Confirm new address documents"]  # i18n: not words
FOLLOWUP_RESOLUTIONS = ["Called; customer satisfied", "Meeting held, documents collected",  # i18n: not words
                        "Sent by email as asked"]  # i18n: not words
