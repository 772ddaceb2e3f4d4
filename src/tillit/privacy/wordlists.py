"""Small hand-kept word lists that complement the Faker name lexicon (see names.py).

All lists are general knowledge about Swedish text, not taken from any evaluation set:
- EXTRA_FIRST / EXTRA_LAST: names common in Sweden whose Latin spelling no Faker locale carries
  (Arabic, Kurdish, Persian, Somali, Tigrinya/Amharic, Bosnian/Serbian, Ukrainian, Finnish, …).
- AMBIGUOUS: name-lexicon entries that are also everyday Swedish words; they count as a name only
  with support (a name next to them, a cue word before, or the same name found elsewhere). The
  last lines are names from other locales that are common Swedish words ("Bil", "Massa", "Prat").
- NOT_NAMES: capitalised words that are never person names (sentence starters, greetings, …).
- CUES: words that introduce a person's name ("pappa Johan", "heter Elvira").
- TOWNS: Swedish municipalities and larger localities (for addresses without a postcode).
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


EXTRA_FIRST = _words("""
Abdi Abdirahman Abdullahi Abdulla Abdulrahman Abdallah Adnan Afrah Ahmad Ahmed Aisha Alan Ali
Amal Amani Amina Amir Amira Anas Arash Arta Aryan Asma Ayan Ayaan Ayesha Aylin Ayşe Azad Aziz
Bahar Baran Bashir Berivan Besnik Bilal Burak Cemal Dalia Dana Dara Darya Dilan Dilara Dunya
Ebru Elif Elmedina Emeka Emine Emir Eyerusalem Faadumo Faisal Farah Farhad Farid Farida Fatima
Fatma Fatuma Firaol Goran Habib Hadi Hafsa Hamid Hamza Hana Haruun Hasan Hassan Hawa Hawo Hayat
Hevin Hibaaq Hiba Hiwet Hodan Hussein Ibrahim Idil Ilham Ilwad Iman Ismail Jamal Jasmina Jawad
Kawa Karim Khadija Khalid Kurdo Lana Layla Leila Lejla Luam Mahad Mahmoud Majid Malak Maryam
Masha Maksym Mehmet Merve Mina Mirza Mohamed Mohammad Mohammed Muhammad Mustafa Nadia Nasrin
Nesrin Nilufar Nour Nur Omar Omid Rahma Rami Rana Rania Reza Rojin Roza Ruqiya Saba Sabrina
Sagal Sahar Said Salma Samir Sara Sarah Selam Selin Serhat Setayesh Shadi Shirin Sirwan Sumaya
Tesfay Tigist Yasin Yasmin Yonas Yosef Youssef Yusuf Zainab Zahra Zeynep Zilan Zozan Danylo
Dmytro Oleksandr Olena Oksana Sofiia Mykola Iryna Yulia Taras Bohdan Vasyl Nataliia Milica
Jelena Dragan Dejan Vesna Nikola Marko Stefan Ivana Amra Senad Edin Emina Mirsad Adis Tiina Juha
Mikko Leevi Sari Eila Chioma Ngozi Tendai Grace Mulugeta Almaz Senait Robel Daniel Filmon
Merhawit Nebiyat Aster Helen Kidane Biniam Yohannes Mesfin
""")

EXTRA_LAST = _words("""
Abdi Abdullahi Ahmadi Ahmed Al-Rawi Ali Amini Aydin Aziz Begić Demir Farah Haddad Hassan Hodžić
Hussein Ibrahim Ilić Jovanović Kaya Karimi Khalil Khoury Kovalenko Kowalczyk Marković Mohamed
Mohammadi Mustafa Nasser Okafor Osman Petrović Rahimi Rezaei Sadeghi Sadiku Saleh Shevchenko
Tesfaye Tesfay Warsame Yilmaz Yousef Haile Gebremariam Gebreyesus Bondarenko Melnyk Koskinen
Mäkinen Saarinen Lehto Kallio Nieminen Virtanen Hämäläinen Mehmedović Hadžić Kurt Çelik Şahin
Aksoy Öztürk Doğan Arslan
""")

AMBIGUOUS = _words("""
alla andra antal bara ben björn bo bor breda brett dag del dina domen eli eller fem filar finna
goda hans horn hus inga juni järv kallas klara kort lex liv lätt maj mark mars matas metod mitt
mur mörk nord per polis post reda rivas sidor sina skog strid styr tala till tur ute valda vara
veta vid vill webb över alm asp berg björk blom bäck ek fors frid frisk frost gren hall hammar
hägg holm hult kvist lind lund malm palm ring rosa sten storm strand ström svan vik villa vita
vila saga sol stig tom lilla orka glass park post rop rak skugga skuld sköld svärd bud bulle dam
don horn kamp kapp kass kris lam lass lo lov major mitt must nota odd prins real rus sans stark
stilla tro vakt vass april augusti juli lina lisa lova bror ros rut ask dal lärka viola hjort
falk lejon örn björn varg räv hare orm
bil brun fiol font gumma harm harpa kaktus kalla kick kisel klapp knapp kramar kristall kristen
kupa lacka lada lie lin liva logi macka mandel mangel massa mata mist moll mule otur palla pastor
plana porta prat rand ranka rasa rena ritt ruta rutten salami sirap smart sola sonad säde trupp
tröst vagn vaka vall vink
""")

NOT_NAMES = _words("""
Pnr PNR Tfn Mobilnr Regnr Lgh Org Orgnr
Jag Du Han Hon Den Det De Dem Vi Ni Man Men Och Att Som När Då Sedan Efter Under Enligt I På Om
Hej Hejsan Mvh Med Vänliga Hälsningar Tack Från Till Av För Vid Där Här Hur Vad Varför Vem
Vilken Inte Nej Ja Eftersom Även Också Dessutom Samtidigt Senare Tidigare Idag Igår Imorgon
Mamma Pappa Barnet Barnen Flickan Pojken Eleven Skolan Förskolan Polisen Socialtjänsten
Anmälaren Anmälan Ärende Datum Kontakt Telefon Adress Namn Personnummer Bakgrund Orosanmälan
Övrigt Mobil Tel Sms Snapchat Instagram TikTok WhatsApp Facebook Messenger Google Teams Zoom
YouTube Discord Netflix Fortnite Minecraft Roblox Sverige Svenska Svensk Gud Allah Jesus Ramadan
Eid Jul Julafton Påsk Midsommar Nyår Måndag Tisdag Onsdag Torsdag Fredag Lördag Söndag Januari
Februari September Oktober November December BUP BVC LVU SoL LSS IVO Dnr Ref Re Fwd Ämne Bästa
Hälsar Hälsning
""")

CUES = _words("""
heter hette kallas kallad pappa mamma pappan mamman far mor fadern modern bror brodern brorsan
syster systern lillebror lillasyster storebror storasyster son sonen dotter dottern barnet
barnen eleven flickan pojken tjejen killen kompis kompisen kamrat kamraten vän vännen väninnan
pojkvän pojkvännen flickvän flickvännen sambo sambon make maken maka makan fru frun man mannen
styvpappa styvpappan styvmamma styvmamman bonuspappa bonusmamma mormor morfar farmor farfar
moster morbror faster farbror kusin kusinen rektor kurator mentor lärare läraren klasslärare
förskollärare skolsköterska skolsköterskan sjuksköterska sjuksköterskan läkare läkaren
tandläkare tandläkaren handläggare handläggaren kontaktperson polis polisen fritidsledare
fritidsledaren pedagog pedagogen assistent elevassistent tolk tolken granne grannen grannens
hyresvärd tränare tränaren ledare ledaren chef chefen biträdande socialsekreterare psykolog
psykologen barnmorska dr doktor herr fru fröken
""")

TOWNS = _words("""
stockholm göteborg malmö uppsala västerås örebro linköping helsingborg jönköping norrköping lund
umeå gävle borås södertälje eskilstuna halmstad växjö karlstad sundsvall östersund trollhättan
luleå lidingö borlänge tumba kristianstad kalmar falun skövde karlskrona skellefteå uddevalla
varberg motala landskrona trelleborg örnsköldsvik enköping ängelholm lerum alingsås sandviken
kungälv visby nyköping lycksele piteå kiruna gällivare boden haparanda kalix arvidsjaur arjeplog
jokkmokk vilhelmina storuman sorsele dorotea åsele nordmaling vännäs vindeln robertsfors
bjurholm malå norsjö kramfors härnösand sollefteå timrå hudiksvall bollnäs söderhamn ljusdal
mora leksand rättvik ludvika avesta hedemora säter smedjebacken gagnef orsa älvdalen malung sala
köping arboga fagersta hallstahammar kumla hallsberg askersund lindesberg nora karlskoga
kristinehamn arvika säffle filipstad hagfors torsby sunne årjäng mariestad lidköping falköping
tidaholm hjo skara götene vänersborg mölndal partille härryda kungsbacka stenungsund tjörn orust
lysekil strömstad tanum munkedal åmål bengtsfors vara herrljunga ulricehamn tranemo svenljunga
mark lerum ale falkenberg laholm hylte båstad höganäs klippan åstorp bjuv ystad simrishamn
tomelilla sjöbo eslöv höör hörby kävlinge lomma burlöv staffanstorp svedala vellinge skurup
hässleholm osby östra perstorp svalöv sölvesborg olofström ronneby karlshamn nybro emmaboda
torsås mönsterås oskarshamn västervik vimmerby hultsfred högsby borgholm mörbylånga ljungby
älmhult markaryd alvesta tingsryd lessebo uppvidinge värnamo gislaved gnosjö vaggeryd nässjö
eksjö vetlanda sävsjö tranås aneby mjölby vadstena ödeshög boxholm åtvidaberg kinda ydre
finspång söderköping valdemarsvik katrineholm flen vingåker gnesta oxelösund strängnäs trosa
norrtälje sigtuna märsta solna sundbyberg nacka huddinge botkyrka haninge tyresö täby danderyd
vallentuna österåker vaxholm värmdö järfälla upplands-bro sollentuna ekerö salem nynäshamn
knivsta tierp östhammar heby håbo älvkarleby huskvarna rinkeby spånga tensta kista husby
skärholmen farsta bromma hägersten vällingby angered hisingen biskopsgården rosengård lindängen
hjällbo bergsjön gamlestaden mölnlycke
""")
