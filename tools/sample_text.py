"""What the sample says to its readers, written by hand: summaries, confidence notes, people's names.

The research files (../shared/data) carry working notes meant for researchers ("from memory", "per
project convention"); the converter (tools/convert_shared_contacts.py) takes facts from them but its
prose from here. Each entry is keyed by the record's date and its first Chinese participant (its first
US one when no Chinese one is named, "none" when nobody is), which tells apart the records of one day.

A `Text` with a confidence marks what the research could not confirm: "partial" when the contact is
established but some of its facts are not (the note says which), "unconfirmed" when the contact itself
is not. The converter refuses a research record marked less than verified, or noting a fact as
recalled rather than read, that has no confidence here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    summary: str
    confidence: str | None = None  # "partial" or "unconfirmed" (storage.vocab.CONFIDENCES)
    note: str | None = None  # which facts are unconfirmed, for the reader
    track: str | None = None  # where the converter's rule for a pair of offices gives the wrong track


# Each person's name as the sample writes it, and the other forms people type for it. A research file
# that writes a name another way ("Lloyd Austin") is mapped to the name here.
PEOPLE: dict[str, tuple[str, ...]] = {
    "Lloyd J. Austin III": ("Austin", "Lloyd Austin"),
    "Antony Blinken": ("Blinken", "Tony Blinken", "Antony J. Blinken"),
    "Pete Hegseth": ("Hegseth", "Peter Hegseth"),
    "Joseph R. Biden Jr.": ("Joe Biden", "Biden", "Joseph Biden"),
    "Donald J. Trump": ("Donald Trump", "Trump"),
    "JD Vance": ("Vance", "J.D. Vance"),
    "Jake Sullivan": ("Sullivan",),
    "Janet Yellen": ("Yellen",),
    "Scott Bessent": ("Bessent",),
    "Jamieson Greer": ("Greer",),
    "Marco Rubio": ("Rubio",),
    "John Kerry": ("Kerry",),
    "Mark A. Milley": ("Milley", "Mark Milley"),
    "Mark T. Esper": ("Esper", "Mark Esper"),
    "Mike Pompeo": ("Pompeo", "Michael Pompeo"),
    "Robert Lighthizer": ("Lighthizer", "Bob Lighthizer"),
    "Steven Mnuchin": ("Mnuchin", "Steve Mnuchin"),
    "Wendy Sherman": ("Sherman",),
    "Gina Raimondo": ("Raimondo",),
    "Howard Lutnick": ("Lutnick",),
    "Charles Q. 'CQ' Brown Jr.": ("CQ Brown", "Charles Q. Brown Jr."),
    "Samuel Paparo": ("Paparo",),
    "John C. Aquilino": ("Aquilino", "John Aquilino"),
    "Stephen Biegun": ("Biegun",),
    "Alex Azar": ("Azar",),
    "Marshall Billingslea": ("Billingslea",),
    "Thomas DiNanno": ("DiNanno",),
    "Xi Jinping": ("Xi", "President Xi"),
    "Wang Yi": ("Wang",),
    "Dong Jun": ("Dong", "Admiral Dong Jun"),
    "Wei Fenghe": ("Wei", "General Wei Fenghe"),
    "Yang Jiechi": ("Yang",),
    "Han Zheng": ("Han",),
    "Qin Gang": ("Qin",),
    "Zhang Youxia": ("Zhang",),
}
# Other spellings of a name in the research files, to the name above.
NAME_FORMS: dict[str, str] = {
    "Lloyd Austin": "Lloyd J. Austin III",
    "Joe Biden": "Joseph R. Biden Jr.",
    "Donald Trump": "Donald J. Trump",
    "Mark Milley": "Mark A. Milley",
}
# Titles as the research wrote them, to the title the person held at that contact, as a reader expects it.
TITLE_FORMS: dict[str, str] = {
    # The Department of Defense took the secondary name Department of War by the order of 5 September 2025.
    "Secretary of Defense (styled Secretary of War from Sept. 2025)": "Secretary of War",
    "Admiral, Commander, US Indo-Pacific Command": "Commander, US Indo-Pacific Command (Admiral, USN)",
    "Colonel, Northeast Asia Policy Division Chief, US Indo-Pacific Command": (
        "Chief, Northeast Asia Policy Division, US Indo-Pacific Command (Colonel)"
    ),
}
# The declined file writes a bare "President"; the title held is the one of that side.
BARE_PRESIDENT = {"us": "President of the United States", "china": "President of the PRC"}
# Titles that are an office of their own, not one of storage/vocab.py's: their track.
OWN_OFFICES: dict[str, str] = {
    "Chief, Northeast Asia Policy Division, US Indo-Pacific Command (Colonel)": "defense",
}

# Topics of the research files that are one of the built-in issues under another name.
TOPICS: dict[str, str] = {
    **dict.fromkeys(
        (
            "military-to-military-communications",
            "military-communication",
            "military-communications",
            "military-to-military-channels",
            "theater-commander-calls",
            "theater-commander-call",
            "leader-hotline",
        ),
        "crisis-communications",
    ),
    **dict.fromkeys(
        (
            "one-china",
            "one-china-policy",
            "one-china-principle",
            "taiwan-red-line",
            "taiwan-first-red-line",
            "taiwan-core-interest",
            "taiwan-independence",
            "taiwan-internal-affair",
            "taiwan-election",
            "elections-in-taiwan",
            "taiwan-arms-sales",
            "stop-arming-taiwan",
        ),
        "taiwan",
    ),
    **dict.fromkeys(("south-china-sea-sovereignty", "south-china-sea-philippines"), "south-china-sea"),
    **dict.fromkeys(
        (
            "russia-defense-industrial-base",
            "material-support-to-russia",
            "lethal-aid-to-russia",
            "russia-material-support",
            "ukraine-no-weapons",
        ),
        "russia-ukraine",
    ),
    **dict.fromkeys(("counternarcotics-working-group", "drug-control"), "fentanyl"),
    **dict.fromkeys(
        (
            "nuclear-arms-control",
            "new-start-successor",
            "nuclear-risk-reduction",
            "strategic-stability",
            "denuclearization",
            "china-nuclear-buildup",
            "china-nuclear-transparency",
        ),
        "nuclear",
    ),
    **dict.fromkeys(("unfair-trade", "unfair-trade-practices", "reciprocal-tariffs", "trade-deficit"), "trade"),
    "ai-dialogue": "ai",
    "human-rights-interference": "human-rights",
}

# Records whose research note names an unconfirmed fact that the sample does not state (neither in
# the summary nor among the topics), so the event needs no confidence for it.
UNCONFIRMED_LEFT_OUT: frozenset[str] = frozenset(
    {
        "2025-07-11 Wang Yi",  # that Rubio raised China's support for Russia
        "2026-03-15 He Lifeng",  # the agenda items Bloomberg reported as possible
        "2026-05-14 Xi Jinping",  # the number of Boeing aircraft; the summary says China did not confirm it
    }
)

PARTIAL = "partial"
UNCONFIRMED = "unconfirmed"

CONTACTS: dict[str, Text] = {
    # -- 2020–2022 ----------------------------------------------------------------------------------
    "2020-02-06 Xi Jinping": Text(
        "Phone call between Presidents Trump and Xi. The White House placed it on the evening of Thursday "
        "6 February, Washington time; Chinese accounts date it to the morning of 7 February in Beijing. "
        "Chinese state media said Trump asked for the call. According to the White House, both sides "
        "reaffirmed that the Phase One trade deal would be carried out."
    ),
    "2020-03-26 Xi Jinping": Text(
        "Phone call between Presidents Trump and Xi on the evening of 26 March, Washington time (27 March "
        "in Beijing). Trump put the call back to give an interview to Fox, and tweeted on 27 March that it "
        "had just ended. No duration was reported."
    ),
    "2020-05-07 Liu He": Text(
        "Phone call between Trade Representative Lighthizer and Treasury Secretary Mnuchin and Vice Premier "
        "Liu He on economic and trade issues, the Phase One deal among them. It took place on the evening "
        "of 7 May, Washington time; Xinhua first reported it on the morning of 8 May, Beijing time. Both "
        "sides said they would keep holding regular calls."
    ),
    "2020-06-17 Yang Jiechi": Text(
        "Secretary of State Pompeo met Yang Jiechi at Joint Base Pearl Harbor-Hickam in Honolulu; Deputy "
        "Secretary Biegun took part according to The Epoch Times. The talks, a dinner and then a working "
        "session, ran across 16 and 17 June local time, about seven hours by EIRNS's count. Who asked for "
        "the meeting is disputed: Xinhua said Pompeo did, while a source quoted by Bloomberg said China did.",
        PARTIAL,
        "China's topics other than the state of relations are not confirmed by a source.",
    ),
    "2020-08-06 Wei Fenghe": Text(
        "Phone call between Defense Secretary Esper and Defense Minister Wei Fenghe, 90 minutes long "
        "according to Pentagon spokesman Jonathan Hoffman. By Xinhua's account Wei pressed the US to halt "
        "statements and actions Beijing considers wrong and to keep maritime risks under control. China's "
        "objection to blaming it for COVID-19 comes from a summary by geopolitic.org."
    ),
    "2020-08-24 Liu He": Text(
        "Phone call between Trade Representative Lighthizer and Treasury Secretary Mnuchin and Vice Premier "
        "Liu He on the Phase One trade deal. USTR put it on the evening of Monday 24 August, Washington "
        "time; the Chinese readout and the South China Morning Post date it to the morning of Tuesday 25 "
        "August in Beijing. China's statement called the call constructive."
    ),
    "2020-10-30 Li Zuocheng": Text(
        "Phone call from General Milley, Chairman of the Joint Chiefs, to General Li Zuocheng, days before "
        "the US election, to reassure China that the US was not about to attack. There was no readout at "
        "the time: Bob Woodward and Robert Costa's book Peril disclosed the call in September 2021, and "
        "Milley later confirmed his calls with Li to Congress.",
        PARTIAL,
        "The details rest on a secondary account, the book Peril.",
    ),
    "2021-01-08 Li Zuocheng": Text(
        "Second phone call from General Milley to General Li Zuocheng, two days after the 6 January attack "
        "on the Capitol. Like the October 2020 call it is known from the book Peril rather than from a "
        "readout.",
        PARTIAL,
        "The details rest on a secondary account, the book Peril.",
    ),
    "2021-02-05 Yang Jiechi": Text(
        "Secretary of State Blinken's first call with Yang Jiechi, and the Biden administration's first "
        "contact with China at cabinet level. It took place on Friday 5 February, US time; China's foreign "
        "ministry dates it to 6 February. By the Chinese readout, Yang said the US should put right its "
        "mistakes and that each side should respect the other's political system.",
        PARTIAL,
        "Part of the list of China's topics is not confirmed by a source.",
    ),
    "2021-02-10 Xi Jinping": Text(
        "President Biden's first phone call with President Xi, on the evening of 10 February in Washington, "
        "which was the morning of 11 February, Lunar New Year's Eve, in Beijing. Biden said afterwards that "
        "they had talked for two hours without a break."
    ),
    "2021-03-18 Yang Jiechi": Text(
        "Talks in Anchorage between Blinken and Sullivan and Yang Jiechi and Wang Yi, in three sessions "
        "across 18 and 19 March local time. The US called them high-level talks, China a high-level "
        "strategic dialogue. The opening exchange in front of the press was openly hostile. The record "
        "carries the first day's date."
    ),
    "2021-04-15 Xie Zhenhua": Text(
        "Climate envoy John Kerry met China's climate envoy Xie Zhenhua in Shanghai on 15 and 16 April, the "
        "first visit to China by an official of the Biden administration. The two sides issued a joint "
        "statement on climate change, released on 17 April in the US and 18 April in Beijing."
    ),
    "2021-07-26 Xie Feng": Text(
        "Deputy Secretary of State Sherman visited Tianjin on 25 and 26 July; on 26 July she held talks with "
        "Vice Foreign Minister Xie Feng and then met Foreign Minister Wang Yi. China's foreign ministry "
        "spokesman Zhao Lijian said the US had proposed the visit. Xie handed over two lists: US actions "
        "China wants stopped, and individual cases it wants resolved."
    ),
    "2021-09-01 Wang Yi": Text(
        "Video meeting between climate envoy John Kerry, who was in Tianjin, and Foreign Minister Wang Yi, "
        "during Kerry's trip of 31 August to 3 September for climate talks with Xie Zhenhua. On 2 September "
        "Kerry also met Vice Premier Han Zheng and Yang Jiechi by video."
    ),
    "2021-09-02 Han Zheng": Text(
        "Video meeting between climate envoy John Kerry, in Tianjin, and Vice Premier Han Zheng, one of "
        "several during Kerry's climate trip to China. The State Department readout noted that China "
        "produces 27 percent of the world's emissions."
    ),
    "2021-09-09 Xi Jinping": Text(
        "Phone call of 90 minutes between Presidents Biden and Xi, on the evening of 9 September in "
        "Washington and the morning of 10 September in Beijing; Chinese documents refer to it as the 10 "
        "September call. A senior US official said Biden had asked for it."
    ),
    "2021-10-06 Yang Jiechi": Text(
        "National Security Advisor Sullivan met Yang Jiechi at a hotel near Zurich airport. They agreed to "
        "carry out what the two presidents had settled in their September call, and the meeting prepared "
        "the virtual summit held in November."
    ),
    "2021-10-31 Wang Yi": Text(
        "Blinken and Wang Yi met in Rome on the sidelines of the G20 summit, for a little less than an hour "
        "according to Sky TG24. It was their first meeting in person since Anchorage."
    ),
    "2021-11-15 Xi Jinping": Text(
        "Virtual summit between Presidents Biden and Xi, Biden in the Roosevelt Room of the White House and "
        "Xi in Beijing. It lasted about three and a half hours in two sessions, according to the White "
        "House, on the evening of 15 November in Washington (16 November in Beijing, the date Xinhua "
        "gives). Xi warned the US against playing with fire over Taiwan."
    ),
    "2022-01-26 Wang Yi": Text(
        "Phone call between Blinken and Wang Yi, on Wednesday 26 January by the State Department's account "
        "(US Eastern time) and Thursday 27 January by China's foreign ministry (Beijing time). Blinken "
        "pressed for de-escalation over Ukraine; Wang spoke of Russia's security concerns and the coming "
        "Beijing Winter Olympics."
    ),
    "2022-02-22 Wang Yi": Text(
        "Blinken called Wang Yi, according to Republic World, the day after Russia recognized the two "
        "breakaway republics in eastern Ukraine and two days before its full-scale invasion.",
        PARTIAL,
        "China's point on the Minsk agreements comes from earlier remarks by Wang reported in the same "
        "article, not necessarily from this call.",
    ),
    "2022-03-14 Yang Jiechi": Text(
        "Sullivan met Yang Jiechi at the Rome Cavalieri hotel in Rome. Axios described an intense meeting of "
        "seven hours; Italian and Bulgarian outlets reported close to eight, counting a break. The record "
        "uses 420 minutes.",
        PARTIAL,
        "China's raising of Taiwan is not confirmed by a source.",
    ),
    "2022-03-18 Xi Jinping": Text(
        "Secure video call of 110 minutes between Presidents Biden and Xi, on a Friday morning in "
        "Washington and Friday evening in Beijing. It centred on Russia's war in Ukraine and on the risk of "
        "China giving Russia material support.",
        PARTIAL,
        "The US point that its Taiwan policy had not changed is not confirmed by a source.",
    ),
    "2022-04-20 Wei Fenghe": Text(
        "Phone call of about 45 minutes between Defense Secretary Austin and Defense Minister Wei Fenghe, "
        "their first contact, following the Biden–Xi video call of 18 March. Pentagon press secretary John "
        "Kirby gave the US readout; the Global Times gave China's account."
    ),
    "2022-05-18 Yang Jiechi": Text(
        "A phone call between Sullivan and Yang Jiechi in May 2022. Later reports mention it, one placing "
        "it 61 days after the 18 March video call, which gives 18 May; no readout of it has been found.",
        UNCONFIRMED,
        "The call is known only from later mentions; its exact date and its topics are not confirmed.",
    ),
    "2022-06-10 Wei Fenghe": Text(
        "Austin met Wei Fenghe in Singapore on the sidelines of the Shangri-La Dialogue. According to the "
        "Department of Defense, Wei had asked for the meeting earlier that week. Planned for 30 minutes, it "
        "ran a little under an hour (the 55 minutes recorded are approximate), most of it on Taiwan."
    ),
    "2022-06-13 Yang Jiechi": Text(
        "Sullivan and Yang Jiechi met in Luxembourg; the meeting was not announced beforehand. Most reports "
        "put it at about four and a half hours, some at about five."
    ),
    "2022-07-05 Liu He": Text(
        "Video call between Treasury Secretary Yellen and Vice Premier Liu He, China's lead for the "
        "comprehensive economic dialogue. It took place on the morning of 5 July in Beijing, the evening of "
        "4 July US Eastern time; both sides give 5 July as the date. Xinhua said the US side asked for it."
    ),
    "2022-07-09 Wang Yi": Text(
        "Blinken and Wang Yi met in Nusa Dua, Bali, on the sidelines of the G20 foreign ministers' meeting: "
        "a morning session and a working lunch, about five hours by Blinken's account. China's foreign "
        "ministry reported agreement on a joint working group.",
        PARTIAL,
        "The US raising of detained Americans and human rights is not confirmed by a source.",
    ),
    "2022-07-28 Xi Jinping": Text(
        "The fifth phone call between Presidents Biden and Xi, from 8:33 to 10:50 a.m. US Eastern time on "
        "28 July, evening in Beijing: 2 hours 17 minutes by the White House's account, about two and a half "
        "hours according to Sputnik and CCTV. The White House called it a phone call; some outlets, NHK "
        "among them, described a video call."
    ),
    "2022-09-23 Wang Yi": Text(
        "Blinken and Wang Yi met in New York during the 77th UN General Assembly, for about 90 minutes "
        "according to a US official. It was their first meeting since Speaker Pelosi's visit to Taiwan in "
        "August 2022."
    ),
    "2022-11-14 Xi Jinping": Text(
        "The first meeting in person of Biden and Xi as presidents, at the Mulia resort in Nusa Dua, Bali, "
        "on the sidelines of the G20 summit. It lasted about three hours (an early AFP report said more "
        "than two). They agreed that a nuclear war must never be fought and opposed any use or threat of "
        "nuclear weapons in Ukraine. Xi called Taiwan the first red line in relations."
    ),
    "2022-11-22 Wei Fenghe": Text(
        "Austin met Wei Fenghe in Siem Reap, Cambodia, on the margins of the ASEAN Defence Ministers' Meeting-Plus.",
        PARTIAL,
        "Taiwan, on both sides, is not confirmed: the readout's passage on it could not be read in full.",
    ),
    # -- 2023–2024 ----------------------------------------------------------------------------------
    "2023-01-18 Liu He": Text(
        "Treasury Secretary Yellen met Vice Premier Liu He in Zurich for about two and a half hours, their "
        "first meeting in person after three by video. Reuters reported that they agreed to improve "
        "communication after a frank exchange.",
        PARTIAL,
        "Debt distress among the US topics is not confirmed by a source.",
    ),
    "2023-02-03 Wang Yi": Text(
        "Blinken called Wang Yi to tell him that his trip to Beijing was postponed, after a Chinese "
        "surveillance balloon was found over the United States; the balloon was shot down the next day.",
        PARTIAL,
        "The date is inferred from the day the trip was postponed, and China's reply (a civilian airship "
        "blown off course) is not confirmed by a source.",
    ),
    "2023-02-18 Wang Yi": Text(
        "Blinken and Wang Yi met on the sidelines of the Munich Security Conference on the Saturday evening, "
        "their first high-level contact since the balloon was shot down on 4 February. Blinken said such an "
        "incident must never happen again; Wang called the US response an excessive use of force."
    ),
    "2023-05-10 Wang Yi": Text(
        "Sullivan and Wang Yi held more than eight hours of talks in Vienna over 10 and 11 May, the most "
        "senior meeting in person since the Bali summit. They covered Ukraine and Taiwan and agreed to keep "
        "this strategic channel open."
    ),
    "2023-06-18 Qin Gang": Text(
        "Blinken, on the first visit to China by a US Secretary of State since 2018, held talks with Foreign "
        "Minister Qin Gang at the Diaoyutai State Guesthouse: about six hours, nearer eight with the working "
        "dinner. Qin accepted an invitation to Washington.",
        PARTIAL,
        "Part of the list of US topics is not confirmed by a source, and the length is approximate.",
    ),
    "2023-06-19 Wang Yi": Text(
        "Blinken met Wang Yi at the Diaoyutai State Guesthouse for about three hours, an hour longer than "
        "planned. Wang said the US had to choose between dialogue and confrontation, and restated China's "
        "position on Taiwan."
    ),
    "2023-06-19 Xi Jinping": Text(
        "President Xi received Blinken at the Great Hall of the People for 35 minutes, a meeting confirmed "
        "only about an hour beforehand. Both spoke of stabilizing relations; China declined to restore "
        "military-to-military channels."
    ),
    "2023-07-07 Li Qiang": Text(
        "Yellen met Premier Li Qiang at the Great Hall of the People during her visit to Beijing of 6 to 9 "
        "July, which held some ten hours of talks in all. She spoke for healthy economic competition; China "
        "warned against stretching the idea of national security and against politicizing trade."
    ),
    "2023-07-08 He Lifeng": Text(
        "Yellen held talks and a dinner with Vice Premier He Lifeng in Beijing, about five hours in all. "
        "She raised a level playing field and export controls; He raised US sanctions and restrictions."
    ),
    "2023-07-17 Xie Zhenhua": Text(
        "Climate envoys Kerry and Xie Zhenhua held talks in Beijing from 17 to 19 July, the first full "
        "climate talks since China suspended them in August 2022, including a five-hour session on 18 July. "
        "Kerry also met Wang Yi and Premier Li Qiang during the visit."
    ),
    "2023-07-19 Han Zheng": Text(
        "Kerry met Vice President Han Zheng at the Great Hall of the People on the last day of his visit. "
        "Han said climate cooperation should rest on mutual respect; Kerry argued that climate should stand "
        "apart from the rest of the relationship."
    ),
    "2023-08-28 Wang Wentao": Text(
        "Commerce Secretary Raimondo met Commerce Minister Wang Wentao in Beijing for about four hours. They "
        "set up a working group on commercial issues, an exchange of information on export control "
        "enforcement, and a yearly ministers' meeting."
    ),
    "2023-09-16 Wang Yi": Text(
        "Sullivan and Wang Yi, who was again also Foreign Minister from July, met in Malta over 16 and 17 "
        "September, about twelve hours in all by a Maltese commentator's count. They covered Ukraine, the "
        "Korean peninsula and Taiwan, and began preparing a meeting of the two presidents."
    ),
    "2023-10-26 Wang Yi": Text(
        "Blinken hosted Wang Yi at the State Department for two rounds of talks on 26 and 27 October, on "
        "the war between Israel and Hamas, Ukraine, Taiwan and export controls, and on preparing the San "
        "Francisco summit.",
        PARTIAL,
        "The list of topics is partly inferred from press coverage.",
    ),
    "2023-10-27 Wang Yi": Text(
        "President Biden met Wang Yi for an hour in the Roosevelt Room of the White House, with Blinken and "
        "Sullivan, during Wang's visit to Washington. Biden offered condolences on the death of former "
        "Premier Li Keqiang; Wang restated China's principles on Taiwan."
    ),
    "2023-11-04 Xie Zhenhua": Text(
        "Climate envoys Kerry and Xie Zhenhua held several days of talks at the Sunnylands estate in "
        "California on methane, renewable energy and the coming COP28 conference. Their joint Sunnylands "
        "Statement followed in mid-November.",
        PARTIAL,
        "The meeting and its venue are confirmed; the first day (about 4 November) and the date of the "
        "Sunnylands Statement are not.",
    ),
    "2023-11-09 He Lifeng": Text(
        "Yellen hosted Vice Premier He Lifeng in San Francisco for two days of meetings, on 9 and 10 "
        "November, ahead of the APEC finance ministers' meeting and the Woodside summit."
    ),
    "2023-11-15 Xi Jinping": Text(
        "Biden and Xi met at the Filoli estate in Woodside, California, during APEC week: talks, a working "
        "lunch and a walk in the garden, about four hours. They agreed to resume high-level military "
        "communication, to work together against fentanyl, and to hold talks on the risks of AI."
    ),
    "2023-12-21 Liu Zhenli": Text(
        "Video call between General Brown, Chairman of the Joint Chiefs, and General Liu Zhenli, Chief of "
        "the Joint Staff Department: the first talk between the two countries' top generals since China "
        "suspended such contacts in August 2022."
    ),
    "2024-01-26 Wang Yi": Text(
        "Sullivan and Wang Yi held more than twelve hours of talks in Bangkok over 26 and 27 January, on the "
        "Red Sea, Taiwan's election, the Middle East and Ukraine. They agreed to launch the counternarcotics "
        "working group on 30 January and to hold AI talks in the spring."
    ),
    "2024-04-02 Xi Jinping": Text(
        "Phone call of about 105 minutes between Presidents Biden and Xi, their first since the Woodside "
        "summit, on the morning of 2 April in Washington. Biden raised Taiwan, the South China Sea, Russia's "
        "defence industry and trade; Xi said Taiwan was a red line not to be crossed.",
        PARTIAL,
        "China's objection to US technology restrictions is not confirmed by a source.",
    ),
    "2024-04-05 He Lifeng": Text(
        "Yellen and Vice Premier He Lifeng held several rounds of talks in Guangzhou on 5 and 6 April. They "
        "agreed to hold exchanges on balanced growth and a forum on cooperation against money laundering; "
        "Yellen pressed China on its industrial overcapacity."
    ),
    "2024-04-07 Li Qiang": Text(
        "Yellen met Premier Li Qiang in Beijing on Sunday 7 April. She raised overcapacity and a level "
        "playing field; Li said the two countries should be partners, not rivals."
    ),
    "2024-04-16 Dong Jun": Text(
        "Video call between Defense Secretary Austin, at the Pentagon, and Defense Minister Dong Jun: their "
        "first contact, and the first substantive talk between the two defence chiefs since November 2022. "
        "Austin stressed keeping military lines open; Dong called Taiwan a core interest."
    ),
    "2024-04-26 Wang Yi": Text(
        "Blinken and Wang Yi held talks and a working lunch at the Diaoyutai State Guesthouse in Beijing, "
        "five to six hours in all, during Blinken's visit to Shanghai and Beijing of 24 to 26 April. "
        "Blinken pressed China over its support for Russia's defence industry."
    ),
    "2024-04-26 Xi Jinping": Text(
        "President Xi received Blinken at the Great Hall of the People in an afternoon meeting that had not "
        "been announced. Xi said the two countries should be partners, not rivals; Blinken raised Russia's "
        "war, Taiwan and detained Americans.",
        PARTIAL,
        "The length of the meeting is not confirmed.",
    ),
    "2024-05-31 Dong Jun": Text(
        "Austin met Dong Jun for 75 minutes on the sidelines of the Shangri-La Dialogue in Singapore, the "
        "first meeting in person of the two countries' defence ministers since November 2022. China's "
        "defence ministry called it positive, practical and constructive."
    ),
    "2024-07-27 Wang Yi": Text(
        "Blinken met Wang Yi in Vientiane on Saturday 27 July, on the sidelines of the ASEAN ministers' "
        "meetings: their sixth meeting since June 2023. Blinken raised the South China Sea, Taiwan, Russia's "
        "defence industry and detained Americans; China's account gave few details."
    ),
    "2024-08-27 Wang Yi": Text(
        "Sullivan visited Beijing at Wang Yi's invitation, the first visit by a US national security advisor "
        "since 2016, and held talks with Wang at Yanqi Lake over 27 and 28 August. They agreed to arrange a "
        "call between the presidents and a call between theater commanders."
    ),
    "2024-08-29 Zhang Youxia": Text(
        "Sullivan met General Zhang Youxia, Vice Chairman of the Central Military Commission, at the Bayi "
        "Building in Beijing, a rare meeting of a Chinese military leader of that rank with a US official, "
        "at the US request. Zhang told the US to stop arming Taiwan.",
        track="defense",
    ),
    "2024-08-29 Xi Jinping": Text(
        "President Xi received Sullivan at the Great Hall of the People at the end of his visit, which "
        "prepared a call between Biden and Xi. Xi said China's commitment to stable, healthy and sustainable "
        "relations had not changed."
    ),
    "2024-09-09 Wu Yanan": Text(
        "Video call between Admiral Paparo, commander of US Indo-Pacific Command, and General Wu Yanan, "
        "commander of the PLA Southern Theater Command: the first call between theater commanders, agreed at "
        "the Woodside summit. Paparo urged China to stop its dangerous tactics in the South China Sea. It "
        "was the morning of 10 September in Beijing.",
        PARTIAL,
        "China's raising of the South China Sea is inferred from the Global Times' account.",
    ),
    "2024-09-27 Wang Yi": Text(
        "Blinken met Wang Yi at China's mission to the UN in New York during the 79th General Assembly. "
        "Blinken raised Russia's defence industry, the South China Sea and Taiwan; Wang raised Taiwan, US "
        "arms sales and technology restrictions."
    ),
    "2024-11-16 Xi Jinping": Text(
        "Biden and Xi met for just under two hours at Xi's hotel in Lima, on the sidelines of APEC: their "
        "third and last meeting in person. They agreed that humans, not AI, must keep control of the "
        "decision to use nuclear weapons; Xi spoke of a smooth transition to the next administration.",
        PARTIAL,
        "Xi's framing of four red lines is not confirmed by a source.",
    ),
    # -- 2025–2026 ----------------------------------------------------------------------------------
    "2025-01-17 Xi Jinping": Text(
        "Phone call between President-elect Trump and President Xi three days before the inauguration. "
        "Trump wrote that they discussed trade, fentanyl and TikTok; China's account said Xi urged prudence "
        "on Taiwan."
    ),
    "2025-01-19 Han Zheng": Text(
        "Vice President-elect Vance met Vice President Han Zheng, Xi's special representative at the "
        "inauguration, in Washington: the first senior meeting in person of the second Trump term. The "
        "transition team said they discussed fentanyl, trade and regional stability."
    ),
    "2025-01-24 Wang Yi": Text(
        "Secretary of State Rubio's first call with Wang Yi, the administration's first contact with China "
        "at cabinet level. Wang told Rubio to conduct himself well; China's account said Rubio stated that "
        "the US does not support Taiwan's independence, which the US readout did not mention."
    ),
    "2025-02-21 He Lifeng": Text(
        "Video call between Treasury Secretary Bessent and Vice Premier He Lifeng, their first contact, held "
        "at the US invitation by China's account. He voiced serious concern over the new US tariffs; the "
        "Treasury called it an introductory call."
    ),
    "2025-03-26 He Lifeng": Text(
        "Video call between Trade Representative Greer and Vice Premier He Lifeng, their first contact, at "
        "the US request by Xinhua's account. He raised the fentanyl tariffs, the Section 301 investigation "
        "and the announced reciprocal tariffs; the USTR called it an introductory meeting."
    ),
    "2025-05-10 He Lifeng": Text(
        "Bessent and Trade Representative Greer met He Lifeng in Geneva over 10 and 11 May, at the Swiss "
        "ambassador's residence. The joint statement of 12 May suspended most of the new tariffs for 90 days "
        "and set up a mechanism for further consultations."
    ),
    "2025-06-05 Xi Jinping": Text(
        "Phone call of about an hour and a half between Presidents Trump and Xi, at Trump's request by "
        "Xinhua's account. Trump wrote of rare earths and of their teams meeting soon; Xi asked the US to "
        "withdraw its negative measures and raised Taiwan. Each invited the other to visit."
    ),
    "2025-06-09 He Lifeng": Text(
        "Bessent, Commerce Secretary Lutnick and Greer met He Lifeng in London over 9 and 10 June, the first "
        "meeting of the new consultation mechanism. They agreed a framework to carry out what the presidents "
        "had settled on 5 June, including on exports of rare earths.",
        PARTIAL,
        "The venue, Lancaster House, rests on a single report.",
    ),
    "2025-07-11 Wang Yi": Text(
        "Rubio and Wang Yi met for about an hour in Kuala Lumpur on the sidelines of the ASEAN foreign "
        "ministers' meetings, their first meeting in person. Both called it constructive; Rubio said the "
        "chances of a meeting between Trump and Xi were high."
    ),
    "2025-07-28 He Lifeng": Text(
        "Bessent and Greer met He Lifeng at Rosenbad, the Swedish prime minister's office in Stockholm, over "
        "28 and 29 July. China pressed for a further 90 days' suspension of the tariffs; Bessent had named "
        "export controls and China's purchases of Russian and Iranian oil among his subjects."
    ),
    "2025-09-09 Dong Jun": Text(
        "Video call between Pete Hegseth, Secretary of War since the Pentagon's renaming that month, and "
        "Defense Minister Dong Jun, at the US request: their first contact. The Pentagon said the US sought "
        "no conflict and called the talk candid and constructive; Dong warned over Taiwan."
    ),
    "2025-09-10 Wang Yi": Text(
        "Phone call between Rubio and Wang Yi, hours after the Hegseth–Dong call, continuing their Kuala "
        "Lumpur discussions. China's account called it timely, necessary and fruitful."
    ),
    "2025-09-14 He Lifeng": Text(
        "Bessent and Greer met He Lifeng and trade negotiator Li Chenggang at the Palacio de Santa Cruz in "
        "Madrid over 14 and 15 September. The talks produced a framework on TikTok, put to the presidents' "
        "call of 19 September."
    ),
    "2025-09-19 Xi Jinping": Text(
        "Phone call between Presidents Trump and Xi on the morning of 19 September in Washington, nearly two "
        "hours by Trump's account, on trade, fentanyl, the war in Ukraine and TikTok. Trump said they would "
        "meet at APEC in South Korea and that he would visit China in 2026."
    ),
    "2025-10-17 He Lifeng": Text(
        "Video call between Bessent and Greer and He Lifeng on the evening of 17 October in Washington "
        "(18 October in Beijing). Both sides called it candid and constructive, and it set up the Kuala "
        "Lumpur round."
    ),
    "2025-10-25 He Lifeng": Text(
        "Bessent and Greer met He Lifeng and Li Chenggang at Merdeka 118 in Kuala Lumpur over 25 and 26 "
        "October, on the sidelines of the ASEAN summit: the fifth round in person, which reached a "
        "preliminary consensus on rare earths, soybeans, fentanyl and TikTok ahead of the Busan summit."
    ),
    "2025-10-27 Wang Yi": Text(
        "Phone call between Rubio and Wang Yi to prepare the meeting of Trump and Xi in Busan. China said "
        "the Kuala Lumpur talks had clarified each side's position."
    ),
    "2025-10-30 Xi Jinping": Text(
        "Trump and Xi met for about 100 minutes at Gimhae air base in Busan, on the sidelines of APEC: their "
        "first meeting in person since 2019. The US halved its fentanyl tariff; China was to resume buying "
        "soybeans and to pause its new controls on rare earths. Trump said Taiwan did not come up."
    ),
    "2025-10-31 Dong Jun": Text(
        "Hegseth met Dong Jun in Kuala Lumpur on the sidelines of the ASEAN Defence Ministers' "
        "Meeting-Plus, their first meeting in person. Hegseth raised the South China Sea, Taiwan and US "
        "allies; they agreed to set up military-to-military channels."
    ),
    "2025-11-24 Xi Jinping": Text(
        "Phone call of about an hour between Presidents Trump and Xi on a Monday morning in Washington; the "
        "wording of China's readout suggests that China asked for it. Xi said Taiwan's return to China was "
        "part of the post-war order; Trump accepted an invitation to visit Beijing in April 2026."
    ),
    "2025-12-05 He Lifeng": Text(
        "Video call between Bessent and Greer and He Lifeng on carrying out the arrangement reached at "
        "Busan. Bessent wrote that it was going well; Xinhua called the talk in-depth and constructive."
    ),
    "2026-01-19 He Lifeng": Text(
        "Bessent met He Lifeng in Davos on the evening of 19 January, on the sidelines of the World Economic "
        "Forum. Bessent said the next day that they had discussed soybeans and rare earths and praised "
        "progress on trade.",
        PARTIAL,
        "The date is inferred from Bessent's remark the next day, and no Chinese account has been found.",
    ),
    "2026-02-04 Xi Jinping": Text(
        "Phone call between Presidents Trump and Xi, hours after Xi's video call with Putin. Trump called it "
        "long and thorough: trade, soybeans, energy, Taiwan, Ukraine, Iran and his April visit. China's "
        "account called Taiwan the most important issue and warned against arms sales to it."
    ),
    "2026-02-13 Wang Yi": Text(
        "Rubio and Wang Yi met in a Munich hotel on the sidelines of the Munich Security Conference. The "
        "State Department called the meeting positive and constructive; China said both sides would support "
        "high-level exchanges, Trump's visit among them."
    ),
    "2026-03-15 He Lifeng": Text(
        "Bessent and Greer met He Lifeng in Paris over 15 and 16 March, ahead of Trump's planned state visit "
        "to Beijing, which was then put off because of the war with Iran. The Treasury called the talks "
        "constructive."
    ),
    "2026-05-12 He Lifeng": Text(
        "Bessent and He Lifeng held a round of consultations in Seoul before the Beijing summit. China's "
        "commerce ministry called them candid and constructive.",
        PARTIAL,
        "Only secondary reports were found: the day or days of the sessions and the rest of the US team are "
        "not confirmed.",
    ),
    "2026-05-14 Xi Jinping": Text(
        "Trump, on a state visit to Beijing from 13 to 15 May at Xi's invitation, held about two hours of "
        "talks with Xi at the Great Hall of the People. Xi warned of clashes, even conflict, over Taiwan and "
        "proposed a framework of constructive strategic stability; Trump spoke of large trade deals, Boeing "
        "aircraft and soybeans among them, which China did not confirm."
    ),
}

DECLINED: dict[str, Text] = {
    "2020-01-06 Alex Azar": Text(
        "On 6 January 2020 Health Secretary Azar offered to send a team of CDC experts to China to help "
        "with the new coronavirus. By the end of January China had not accepted; the NSA said on 2 February "
        "that the US had heard nothing back. China gave no formal refusal or reason.",
        track="other",
    ),
    "2020-06-22 Marshall Billingslea": Text(
        "The US invited China to join its arms control talks with Russia on a successor to New START; China "
        "had repeatedly declined and did not come to the Vienna round. Envoy Billingslea posted a photo of "
        "Chinese flags at empty seats; China's foreign ministry mocked it as performance art.",
        track="diplomatic",
    ),
    "2020-08-15 Liu He": Text(
        "The six-month review of the Phase One trade deal by video, set for 15 August, was put off. The "
        "delay was first put down to scheduling; on 18 August Trump said he had postponed it because he did "
        "not want to talk to China.",
        track="economic",
    ),
    "2020-12-14 Michael Spake": Text(
        "The PLA did not join a virtual meeting on maritime and air safety under the Military Maritime "
        "Consultative Agreement, set for 14 to 16 December in the defence plan both sides had agreed. China's "
        "navy said the US had pushed its own agenda before the topics were agreed.",
        track="defense",
    ),
    "2021-05-21 Xu Qiliang": Text(
        "Defense Secretary Austin asked three times to speak with General Xu Qiliang, Vice Chairman of the "
        "Central Military Commission, between January and May 2021; China did not engage and offered "
        "Defense Minister Wei Fenghe as his counterpart instead. The two first met in June 2022.",
        track="defense",
    ),
    "2021-07-16 Le Yucheng": Text(
        "China refused a meeting between Deputy Secretary Sherman and Le Yucheng, the foreign ministry's "
        "second official, and offered Vice Foreign Minister Xie Feng instead. The trip went ahead later in "
        "that form: Sherman met Xie Feng and Wang Yi in Tianjin on 26 July.",
        track="diplomatic",
    ),
    "2021-09-09 Xi Jinping": Text(
        "In their call of 9 September, Biden proposed a meeting in person; the Financial Times reported that "
        "Xi did not take it up and wanted a milder US tone first. The White House disputed the report, and "
        "Biden called it untrue.",
        PARTIAL,
        "The refusal is a contested press report, not a refusal on the record.",
        track="leaders",
    ),
    "2022-08-05 Wei Fenghe": Text(
        "During the week of Speaker Pelosi's visit to Taiwan and the PLA's drills, China's top military "
        "officers did not return several calls from Austin and General Milley, Politico reported.",
        PARTIAL,
        "The Chinese officers called are inferred from the same reporting: Austin's and Milley's usual counterparts.",
        track="defense",
    ),
    "2022-08-05 none": Text(
        "In answer to Speaker Pelosi's visit to Taiwan, China cancelled three standing military dialogues: "
        "the theater commanders' talks, the Defense Policy Coordination Talks and the meetings under the "
        "Military Maritime Consultative Agreement. It also suspended cooperation on repatriation, legal "
        "assistance, crime and drugs.",
        track="defense",
    ),
    "2022-08-05 Xie Zhenhua": Text(
        "As part of the same measures against Pelosi's visit, China suspended its climate talks with the "
        "US. Kerry called the decision disappointing and misguided; the envoys resumed talks at COP27 in "
        "November 2022.",
        track="climate",
    ),
    "2023-02-03 Qin Gang": Text(
        "The US postponed Blinken's visit to Beijing, due to start on 5 February with meetings with Foreign "
        "Minister Qin Gang, after a Chinese surveillance balloon was found over Montana. The visit took "
        "place in June 2023.",
        track="diplomatic",
    ),
    "2023-02-04 Wei Fenghe": Text(
        "Right after the balloon was shot down, Austin asked for a secure call with Defense Minister Wei "
        "Fenghe over the crisis line; China declined. Its defence ministry said the US had not created the "
        "proper atmosphere for talks.",
        track="defense",
    ),
    "2023-03-16 Lin Xiangyang": Text(
        "Admiral Aquilino said that his requests since August 2021 to speak with the commanders of the PLA's "
        "Eastern and Southern Theater Commands had gone unanswered; in May 2023 he said they had still not "
        "been approved. China gave no reason.",
        PARTIAL,
        "Whether the request was for calls or meetings is not stated.",
        track="defense",
    ),
    "2023-05-29 Li Shangfu": Text(
        "China declined the US invitation for Austin to meet Defense Minister Li Shangfu at the Shangri-La "
        "Dialogue, citing the US sanctions placed on Li in 2018; the two only shook hands at the opening "
        "dinner. A US official said China had declined or left unanswered more than a dozen such requests "
        "since 2021.",
        track="defense",
    ),
    "2024-07-17 Sun Xiaobo": Text(
        "China suspended a new round of consultations with the US on arms control and non-proliferation, "
        "in protest at US arms sales to Taiwan. The State Department called the decision unfortunate.",
        PARTIAL,
        "The delegates of the suspended round were not named: those recorded led the previous round.",
        track="diplomatic",
    ),
    "2024-11-20 Dong Jun": Text(
        "China refused Austin's request to meet Defense Minister Dong Jun at the ASEAN defence ministers' "
        "meeting in Vientiane, citing US arms sales to Taiwan. Austin called the refusal a setback for the "
        "whole region.",
        track="defense",
    ),
    "2025-08-27 Donald Trump": Text(
        "After Trump said the US was pursuing nuclear reductions with Russia and China, China's foreign "
        "ministry said it was neither reasonable nor realistic to expect China to join three-way talks. It "
        "repeated the refusal in November.",
        PARTIAL,
        "The request was a public call by the President, not a formal invitation to a named official.",
        track="diplomatic",
    ),
    "2026-02-06 Thomas DiNanno": Text(
        "After New START expired, Under Secretary DiNanno called at the Conference on Disarmament for "
        "three-way nuclear talks with Russia and China. China rejected the proposal as unfair and not "
        "feasible, while holding separate preparatory meetings with the US.",
        track="diplomatic",
    ),
    "2026-03-16 Xi Jinping": Text(
        "Trump said the US had asked to put off his state visit to Beijing, set for 31 March to 2 April at "
        "Xi's invitation, by about a month because of the war with Iran. China named no new date; the visit "
        "took place from 13 to 15 May.",
        track="leaders",
    ),
}
