//! Name pools for synthetic people, by culture. Names are common ones of
//! each culture; people are made by combining them as that culture does
//! (patronymics, two surnames, two-syllable given names, ...). `_` joins
//! the words of one multi-word name (`EL_AMRANI`).

/// How a culture builds a full name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// given [middle] surname
    Western,
    /// given patronymic surname (Russian, Ukrainian): the pools are Cyrillic.
    EastSlavic,
    /// given father's-name [grandfather's-name] family (Arabic)
    Arabic,
    /// given two surnames (Spanish, Portuguese)
    Iberian,
    /// surname + two-syllable given name (Chinese)
    Chinese,
    /// Greek script pools
    Greek,
    /// family name, middle name, given name (Vietnamese): nearly always three parts
    Vietnamese,
}

pub struct Culture {
    pub nationality: &'static str,
    pub pattern: Pattern,
    pub airports: &'static str,
    pub surnames: &'static str,
    pub male: &'static str,
    pub female: &'static str,
}

pub const CULTURES: &[Culture] = &[
    Culture {
        nationality: "RUS",
        pattern: Pattern::EastSlavic,
        airports: "SVO DME LED AER KZN OVB SVX",
        surnames: "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов Савельев Тимофеев Фомин Чернов Абрамов Мартынов Ефимов Федотов Щербаков Назаров Калинин Исаев Чернышёв Быков Маслов Родионов Коновалов Лазарев Воронин Климов Филатов Пономарёв Голубев Кудрявцев Прохоров Наумов Потапов Журавлёв Овчинников Трофимов Леонов Соболев Ермаков Колесников Гончаров Емельянов Никифоров Грачёв Котов Гришин Ефремов Архипов Громов Кириллов Малышев Панов Моисеев Румянцев Акимов Кондратьев Бирюков Горбунов Анисимов Ерёмин Тихомиров Галкин Лукьянов Михеев Скворцов Юдин Белоусов Нестеров Симонов Прокофьев Харитонов Князев Цветков Левин Митрофанов Воронов Аксёнов Софронов Мальцев Логинов Горшков Савин Краснов Майоров Демидов Елисеев Рыбаков Сафонов Плотников Дёмин Хохлов Фадеев Молчанов Игнатов Литвинов Ершов Ушаков Дементьев Рябов Мухин Калашников Леонтьев Лобанов Кузин Корнилов Евдокимов Бородин Платонов Некрасов Балашов Бобров Жданов Блинов Игнатьев Коротков Муравьёв Крюков Беляков Богомолов Дроздов Лавров Зуев Петухов Ларин Никулин Серов Терентьев Зотов Устинов Фокин Самойлов Константинов Сахаров Шишкин Самсонов Черкасов Чистяков Носов Спиридонов Карасёв Авдеев Воронцов Зверев Владимиров Селезнёв Нечаев Кудряшов Седов Фирсов Андрианов Панин Головин Терехов Ульянов Шестаков Агеев Никонов Селиванов Баженов Гордеев Кожевников Пахомов Зимин Костин Широков Филимонов Ларионов Овсянников Сазонов Суворов Нефёдов Любимов Львов Горбачёв Копылов Лукин Токарев Кулешов Шилов Большаков Панкратов Родин Шаповалов Покровский Бочаров Никольский Маркин Горелов Агафонов Березин Ермолаев Зубков Куприянов Трифонов Масленников Круглов Третьяков Колосов Рожков Артамонов Шмелёв Лаптев Лапшин Федосеев Зиновьев Зорин Уткин Столяров Зубов Ткачёв Дорофеев Антипов Завьялов Свиридов Золотарёв Кулаков Мещеряков Макеев Дьяконов Гуляев Петровский Бондарев Поздняков Панфилов Кочетков Суханов Рыжов Старостин Калмыков Колесов Золотов Кравцов Субботин Шубин Щукин Лосев Винокуров Лапин Парфёнов Исаков Голованов Коровин Розанов Артёмов Козырев Русаков Алёшин Булгаков Кошелев Сычёв Синицын",
        male: "Александр Дмитрий Максим Сергей Андрей Алексей Артём Илья Кирилл Михаил Никита Матвей Роман Егор Арсений Иван Денис Евгений Даниил Тимофей Владислав Игорь Владимир Павел Руслан Марк Константин Тимур Олег Ярослав Антон Николай Глеб Данил Савелий Вадим Степан Юрий Богдан Григорий Виктор Фёдор Борис Пётр Леонид Геннадий Анатолий Василий Валерий Станислав Вячеслав Георгий Эдуард Аркадий Семён Лев Ростислав Святослав Всеволод",
        female: "Анастасия Мария Анна Виктория Екатерина Наталья Марина Полина Софья Дарья Алиса Ксения Александра Елена Ольга Ирина Светлана Татьяна Юлия Валерия Вероника Алина Кристина Людмила Галина Надежда Любовь Вера Евгения Оксана Маргарита Диана Карина Ангелина Василиса Ульяна Милана Таисия Лариса Зоя Нина Тамара Раиса Инна Жанна Лилия Олеся Яна Злата Ева",
    },
    Culture {
        nationality: "UKR",
        pattern: Pattern::EastSlavic,
        airports: "KBP IEV LWO ODS",
        surnames: "Шевченко Бондаренко Коваленко Бойко Ткаченко Кравченко Коваль Олійник Шевчук Поліщук Бондар Ткачук Мельник Лисенко Марченко Руденко Савченко Петренко Клименко Павленко Мороз Кравчук Левченко Кузьменко Гончаренко Пономаренко Василенко Лук'яненко Карпенко Мазур Литвиненко Романенко Сидоренко Ярошенко Гаврилюк Демченко Козак Дмитренко Тимошенко Захарченко Приходько Панченко Кириленко Шаповал Гуменюк Костенко Кушнір Остапчук Юрченко Бабенко Процик Білик",
        male: "Олександр Андрій Сергій Дмитро Іван Микола Василь Петро Юрій Віктор Богдан Тарас Остап Ярослав Максим Олег Роман Степан Григорій Володимир Михайло Віталій Назар Орест Євген",
        female: "Олена Оксана Наталія Ірина Тетяна Юлія Марія Ганна Софія Катерина Людмила Галина Світлана Ольга Христина Дарина Соломія Ярина Валентина Лариса Вікторія Анастасія Надія Зоряна",
    },
    Culture {
        nationality: "EGY",
        pattern: Pattern::Arabic,
        airports: "CAI HRG SSH",
        surnames: "HASSAN HUSSEIN IBRAHIM MAHMOUD MOSTAFA ABDELRAHMAN ELSAYED SALEH ABDALLAH GAMAL FARID HAMDY KAMAL SHAWKY ZAKI NAGUIB SOLIMAN RAMADAN ASHOUR BADAWI ELSHERIF MANSOUR NASSAR SABRY HEGAZY OSMAN SHEHATA FAHMY GHONEIM MORSI ABOUELELA ELMASRY HASSANEIN KHALIL SHALABY ATTIA BAKR SAAD YOUSSEF TAWFIK AMIN DARWISH GOMAA HAFEZ ISMAIL LOTFY MAHER RIZK SHAKER WAHBA",
        male: "MOHAMMED AHMED MAHMOUD MOSTAFA OMAR KHALED YOUSSEF IBRAHIM HASSAN HUSSEIN ALI AMR TAREK KARIM SAMEH SHERIF WALID YASSER ADEL ASHRAF HESHAM HANY MAGDY NABIL RAMY SAMIR TAMER EMAD ESSAM HAZEM MOUNIR ABDELRAHMAN ABDULLAH SAID FADY GAMAL",
        female: "FATMA AYA MARIAM NOUR SARA HODA MONA DINA RANIA YASMIN HEBA SALMA AMIRA NADIA LAILA SHAIMAA ASMAA ESRAA REEM NEHAL DOAA MAI NERMEEN GHADA HANAN SAMAR WALAA ZEINAB",
    },
    Culture {
        nationality: "MAR",
        pattern: Pattern::Arabic,
        airports: "CMN RAK TNG FEZ AGA",
        surnames: "EL_AMRANI BENALI ALAOUI IDRISSI BENNANI TAZI FASSI CHERKAOUI BERRADA SQALLI OUAZZANI BENJELLOUN LAHLOU ZIANI HAJJI BOUZIDI EL_KHATTABI AIT_BENHADDOU MANSOURI BOUKHARI EL_FILALI RAHMOUNI TAHIRI AZZOUZI SAIDI KETTANI OUALI CHRAIBI EL_HAJJAJI NACIRI BENKIRANE SEBTI AMZIANE BELHAJ ZNIBER BOUAZZA ESSAFI",
        male: "MOHAMED YOUSSEF AHMED HAMZA OMAR ANAS ADAM AYOUB MEHDI RACHID KARIM SAID HASSAN MUSTAPHA ABDELLAH NOURDINE DRISS BRAHIM HICHAM YASSINE ISMAIL REDOUANE OTHMANE TARIK ZAKARIA SOUFIANE AMINE ILYAS JAMAL",
        female: "FATIMA KHADIJA AICHA MERYEM SALMA IMANE HAJAR SANAE NADIA SOUAD LATIFA ZINEB HOUDA ASMAE GHIZLANE NAIMA RACHIDA OUMAIMA DOUNIA HIBA KAOUTAR LAMIA LOUBNA WAFAE YASMINE",
    },
    Culture {
        nationality: "SAU",
        pattern: Pattern::Arabic,
        airports: "RUH JED DMM MED",
        surnames: "AL_GHAMDI AL_ZAHRANI AL_QAHTANI AL_OTAIBI AL_HARBI AL_SHAMMARI AL_DOSARI AL_MUTAIRI AL_ANAZI AL_SHEHRI AL_MALKI AL_JOHANI AL_SUBAIE AL_RASHEED AL_SAUD AL_FAISAL AL_TURKI AL_SAIF AL_HAMAD AL_KHALDI AL_HAJRI AL_ASIRI AL_BALAWI AL_RUWAILI AL_SULAMI AL_THAQAFI AL_YAMI AL_QARNI AL_AMRI",
        male: "MOHAMMED ABDULLAH ABDULRAHMAN KHALID FAHAD SAUD SULTAN FAISAL NASSER TURKI BANDAR MAJED SAAD NAWAF YAZEED MESHAL OMAR ALI HAMAD SALMAN IBRAHIM AHMED TALAL WALEED ABDULAZIZ RAKAN ZIYAD MUTLAQ",
        female: "NOURA SARA REEM LAMA HESSA MAHA AMAL DANA LATIFA MUNIRA ABEER GHADA HANAN JAWAHER NAJLA RAWAN SHAHAD SHOUQ WAAD FATIMAH AISHA HIND ASMA",
    },
    Culture {
        nationality: "GRC",
        pattern: Pattern::Greek,
        // Greek travellers into the EU from outside it: diaspora routes.
        airports: "IST TLV JFK YYZ MEL CAI",
        surnames: "Παπαδόπουλος Παπαδάκης Γεωργίου Οικονόμου Παπαγεωργίου Βασιλείου Νικολάου Δημητρίου Ιωάννου Κωνσταντίνου Μαυρίδης Αθανασίου Χριστοδούλου Παναγιωτόπουλος Αντωνίου Καραγιάννης Πετρίδης Μιχαηλίδης Αλεξίου Σταματόπουλος Κυριακίδης Λαμπράκης Ζαχαρίου Θεοδωρίδης Μακρής Ραφαηλίδης Σπυρόπουλος Τσακίρης Φωτίου Χατζηδάκης",
        male: "Γιώργος Δημήτρης Κώστας Γιάννης Νίκος Παναγιώτης Βασίλης Χρήστος Αθανάσιος Μιχάλης Ευάγγελος Σπύρος Αντώνης Ανδρέας Θανάσης Σταύρος Ηλίας Πέτρος Αλέξανδρος Στέφανος",
        female: "Μαρία Ελένη Αικατερίνη Βασιλική Σοφία Αγγελική Γεωργία Δήμητρα Κωνσταντίνα Παναγιώτα Χριστίνα Ευαγγελία Ειρήνη Δέσποινα Αναστασία Ιωάννα Φωτεινή Θεοδώρα",
    },
    Culture {
        nationality: "CHN",
        pattern: Pattern::Chinese,
        airports: "PEK PVG CAN CTU SZX HGH",
        surnames: "WANG LI ZHANG LIU CHEN YANG HUANG ZHAO WU ZHOU XU SUN MA ZHU HU GUO HE GAO LIN LUO ZHENG LIANG XIE SONG TANG HAN FENG DENG CAO PENG ZENG XIAO TIAN DONG YUAN PAN YU JIANG CAI JIA DING WEI XUE YE YAN",
        male: "WEI JUN HAO JIAN MING QIANG LEI YONG TAO JIE HUI BIN CHAO FENG GANG PENG XIN YU HONG LONG HAI KAI ZHI WEN JIA BO RUI YANG",
        female: "FANG NA MIN JING LI YAN XIU LING JUAN YING HUA MEI XIA LAN QIN XUE YUN ZHEN HONG JIAO TING QIAN ROU SHAN LU YI",
    },
    Culture {
        nationality: "IND",
        pattern: Pattern::Western,
        airports: "DEL BOM BLR MAA HYD CCU COK AMD",
        surnames: "SHARMA VERMA GUPTA SINGH KUMAR PATEL SHAH MEHTA IYER NAIR REDDY RAO PILLAI MENON JOSHI KULKARNI DESAI CHOPRA KAPOOR MALHOTRA BHATIA KHANNA SAXENA AGARWAL BANERJEE CHATTERJEE MUKHERJEE BOSE DAS GHOSH SEN CHAUDHARY YADAV MISHRA PANDEY TIWARI DUBEY TRIVEDI SRIVASTAVA NAIDU GOWDA HEGDE SHETTY KAMATH PRABHU DUTTA SARKAR JAIN",
        male: "RAHUL AMIT ROHIT VIKRAM ARJUN SANJAY RAJESH SURESH ANIL SUNIL RAVI KIRAN PRAKASH MANOJ DEEPAK ARVIND KARAN NIKHIL ADITYA SIDDHARTH VIVEK GAURAV ASHOK VIJAY RAMESH MAHESH HARISH NAVEEN PRANAV ANAND",
        female: "PRIYA ANJALI POOJA NEHA SNEHA DIVYA KAVYA SHREYA ANANYA LAKSHMI MEERA SUNITA ANITA KAVITA REKHA GEETA SAVITA NISHA RITU SWATI ANKITA PALLAVI DEEPIKA AISHWARYA RADHA SITA USHA VANDANA",
    },
    Culture {
        nationality: "NGA",
        pattern: Pattern::Western,
        airports: "LOS ABV PHC KAN",
        surnames: "OKONKWO ADEYEMI OKAFOR ADEBAYO OLAWALE EZE NWOSU IBRAHIM BELLO OGUNLEYE ADELEKE NWACHUKWU OKORO OLUWASEUN CHUKWU ABUBAKAR MUSA ONYEKACHI AJAYI BABATUNDE OBI UCHE AKINWANDE OYELARAN DANJUMA ETIM ADEWALE OKEKE NNAMDI OGUNDIPE FASHOLA ADEOYE IGWE EKWUEME ANYANWU",
        male: "CHINEDU OLUWASEUN EMEKA TUNDE ADEBAYO IFEANYI KELECHI OBINNA SEGUN BABAJIDE NNAMDI CHUKWUEMEKA FEMI AYODELE IBRAHIM MUSA ABDULLAHI USMAN YUSUF CHIDI UCHE KUNLE DAYO GBENGA TOBI",
        female: "ADAEZE CHIDINMA NGOZI FUNMILAYO AMAKA CHIOMA IFEOMA BOLANLE YETUNDE TITILAYO FOLAKE NKECHI AISHA HAUWA ZAINAB KEMI BUKOLA ONYINYE UJU OBIAGELI TEMITOPE DAMILOLA SADE",
    },
    Culture {
        nationality: "COL",
        pattern: Pattern::Iberian,
        airports: "BOG MDE CLO CTG",
        surnames: "GARCIA RODRIGUEZ MARTINEZ LOPEZ GONZALEZ HERNANDEZ PEREZ SANCHEZ RAMIREZ TORRES FLORES RIVERA GOMEZ DIAZ REYES MORALES CRUZ ORTIZ GUTIERREZ CHAVEZ RAMOS RUIZ ALVAREZ MENDOZA CASTILLO JIMENEZ MORENO ROMERO HERRERA MEDINA AGUILAR VARGAS GUZMAN CASTRO OSPINA RESTREPO CARDENAS VALENCIA ARANGO ZAPATA MEJIA BETANCUR QUINTERO SALAZAR ROJAS",
        male: "JUAN CARLOS JOSE LUIS ANDRES JORGE DIEGO ALEJANDRO MIGUEL FERNANDO SANTIAGO SEBASTIAN DAVID CAMILO FELIPE JAVIER RICARDO MAURICIO OSCAR EDUARDO GUSTAVO HERNAN ALVARO JULIAN MATEO NICOLAS",
        female: "MARIA ANA LAURA CAROLINA DANIELA ALEJANDRA VALENTINA PAULA CATALINA NATALIA ANDREA SOFIA JULIANA CAMILA ISABELLA DIANA LUISA MARCELA GLORIA PATRICIA SANDRA CLAUDIA LUCIA ELENA",
    },
    Culture {
        nationality: "BRA",
        pattern: Pattern::Iberian,
        airports: "GRU GIG BSB CNF SSA REC FOR POA",
        surnames: "SILVA SANTOS OLIVEIRA SOUZA RODRIGUES FERREIRA ALVES PEREIRA LIMA GOMES COSTA RIBEIRO MARTINS CARVALHO ALMEIDA LOPES SOARES FERNANDES VIEIRA BARBOSA ROCHA DIAS NASCIMENTO ANDRADE MOREIRA NUNES MARQUES MACHADO MENDES FREITAS CARDOSO RAMOS GONCALVES SANTANA TEIXEIRA ARAUJO CAVALCANTI MONTEIRO MOURA CORREIA",
        male: "JOAO PEDRO LUCAS GABRIEL RAFAEL GUILHERME MATHEUS FELIPE GUSTAVO THIAGO BRUNO RODRIGO FERNANDO MARCELO EDUARDO LEONARDO VINICIUS DANIEL CAIO ANDRE PAULO RICARDO SERGIO TIAGO",
        female: "ANA MARIA JULIANA FERNANDA BEATRIZ LARISSA CAMILA AMANDA BRUNA LETICIA GABRIELA MARIANA PATRICIA ALINE VANESSA RENATA LUCIANA CRISTIANE SIMONE ADRIANA TATIANA PRISCILA",
    },
    Culture {
        nationality: "TUR",
        pattern: Pattern::Western,
        airports: "IST SAW ESB ADB AYT",
        surnames: "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan Kılıç Aslan Çetin Kara Koç Kurt Özkan Şimşek Polat Özcan Korkmaz Çakır Erdoğan Yavuz Can Acar Şen Aktaş Güler Yalçın Güneş Bozkurt Bulut Keskin Ünal Turan Gül Özer",
        male: "Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim İsmail Osman Yusuf Murat Ömer Ramazan Halil Süleyman Abdullah Mahmut Emre Burak Serkan Emin Kemal Cem Barış Onur",
        female: "Fatma Ayşe Emine Hatice Zeynep Elif Meryem Şerife Zehra Sultan Hanife Merve Havva Zeliha Esra Fadime Özlem Hülya Yasemin Gülsüm Derya Ebru Seda Büşra",
    },
    Culture {
        nationality: "USA",
        pattern: Pattern::Western,
        airports: "JFK EWR IAD ORD ATL BOS MIA LAX SFO DFW IAH SEA DTW PHL CLT",
        surnames: "SMITH JOHNSON WILLIAMS BROWN JONES MILLER DAVIS WILSON ANDERSON TAYLOR THOMAS MOORE MARTIN JACKSON THOMPSON WHITE HARRIS CLARK LEWIS ROBINSON WALKER YOUNG ALLEN KING WRIGHT SCOTT HILL GREEN ADAMS BAKER NELSON CARTER MITCHELL ROBERTS TURNER PHILLIPS CAMPBELL PARKER EVANS EDWARDS COLLINS STEWART MORRIS MURPHY COOK ROGERS MORGAN PETERSON COOPER REED BAILEY BELL KELLY HOWARD WARD COX RICHARDSON WOOD WATSON BROOKS BENNETT GRAY HUGHES PRICE SANDERS MYERS LONG ROSS FOSTER",
        male: "JAMES JOHN ROBERT MICHAEL WILLIAM DAVID RICHARD JOSEPH THOMAS CHARLES CHRISTOPHER DANIEL MATTHEW ANTHONY MARK DONALD STEVEN PAUL ANDREW JOSHUA KENNETH KEVIN BRIAN GEORGE TIMOTHY RONALD EDWARD JASON JEFFREY RYAN JACOB GARY NICHOLAS ERIC JONATHAN STEPHEN LARRY JUSTIN SCOTT BRANDON",
        female: "MARY PATRICIA JENNIFER LINDA ELIZABETH BARBARA SUSAN JESSICA SARAH KAREN LISA NANCY BETTY MARGARET SANDRA ASHLEY KIMBERLY EMILY DONNA MICHELLE CAROL AMANDA MELISSA DEBORAH STEPHANIE REBECCA SHARON LAURA CYNTHIA KATHLEEN AMY ANGELA SHIRLEY ANNA BRENDA PAMELA EMMA NICOLE HELEN",
    },
    Culture {
        nationality: "CAN",
        pattern: Pattern::Western,
        airports: "YYZ YVR YUL YYC YOW YEG YHZ",
        surnames: "TREMBLAY GAGNON ROY COTE BOUCHARD GAUTHIER MORIN LAVOIE FORTIN GAGNE OUELLET PELLETIER BELANGER LEVESQUE BERGERON LEBLANC PAQUETTE GIRARD SIMARD BOUCHER CARON BEAULIEU CLOUTIER DUBE POIRIER FOURNIER LAPOINTE LECLERC LEFEBVRE POULIN THIBAULT SMITH BROWN MARTIN WILSON MACDONALD CAMPBELL STEWART",
        male: "LIAM NOAH WILLIAM LUCAS BENJAMIN OLIVER ETHAN JACOB LOGAN NATHAN SAMUEL GABRIEL ALEXANDRE MATHIEU JEAN FRANCOIS PIERRE LOUIS MARC PHILIPPE SIMON JULIEN VINCENT OLIVIER",
        female: "OLIVIA EMMA CHARLOTTE AMELIA SOPHIE CHLOE ZOE LEA ALICE FLORENCE JULIETTE ROSALIE CAMILLE GABRIELLE MARIE ISABELLE CATHERINE GENEVIEVE NATHALIE JOSEE MELANIE VALERIE AUDREY",
    },
    Culture {
        nationality: "VNM",
        pattern: Pattern::Vietnamese,
        airports: "SGN HAN DAD",
        surnames: "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Trương Lâm Mai Tạ Quách Châu Cao Tôn Thái",
        male: "Minh Anh Hùng Dũng Tuấn Thắng Hải Long Nam Quang Sơn Việt Phúc Khoa Bảo Đức Hiếu Trung Thành Cường Huy Khánh Tùng",
        female: "Lan Hương Linh Ngọc Thảo Trang Mai Phương Thu Hà Hoa Hạnh Huyền Nhung Oanh Quỳnh Thủy Vy Yến Chi Giang Nga",
    },
    Culture {
        nationality: "IRN",
        pattern: Pattern::Western,
        airports: "IKA MHD SYZ",
        surnames: "MOHAMMADI HOSSEINI AHMADI REZAEI MOUSAVI KARIMI HASHEMI RAHIMI JAFARI SADEGHI GHASEMI MORADI NOURI SHARIFI KAZEMI SALEHI RAHMANI ABBASI TEHRANI ESFAHANI NAJAFI AZIZI BAGHERI ZAMANI YOUSEFI MIRZAEI AKBARI HEIDARI KHALILI TAHERI",
        male: "MOHAMMAD ALI HOSSEIN REZA MEHDI AMIR HAMID SAEED MAJID MORTEZA MAHMOUD JAVAD MOHSEN BEHROOZ DARIUSH KAVEH ARASH BABAK FARHAD KOUROSH PARVIZ SIAMAK",
        female: "FATEMEH ZAHRA MARYAM NARGES SOMAYEH LEILA MINA SARA NEDA SHIRIN PARISA AZADEH ROYA MAHSA NILOUFAR GOLNAZ SHABNAM TARANEH YASAMAN ELHAM",
    },
    Culture {
        nationality: "JPN",
        pattern: Pattern::Western,
        airports: "NRT HND KIX NGO FUK",
        surnames: "SATO SUZUKI TAKAHASHI TANAKA WATANABE ITO YAMAMOTO NAKAMURA KOBAYASHI KATO YOSHIDA YAMADA SASAKI YAMAGUCHI MATSUMOTO INOUE KIMURA HAYASHI SHIMIZU YAMAZAKI MORI ABE IKEDA HASHIMOTO YAMASHITA ISHIKAWA NAKAJIMA MAEDA FUJITA OGAWA GOTO OKADA HASEGAWA MURAKAMI KONDO",
        male: "HIROSHI TAKESHI KENJI SATOSHI YUTA DAISUKE KAZUKI RYOTA SHOTA TAKUYA KOJI YUKI HARUTO SOTA YAMATO RIKU KAITO MASATO NAOKI TOMOYA KEN TARO ICHIRO",
        female: "YUKI AYAKA MISAKI HARUKA SAKURA YUI AOI HINA MIO RIN NANAMI MAI EMI KEIKO YOKO NAOMI AKIKO MEGUMI TOMOKO KAORI ERIKA ASUKA",
    },
    Culture {
        nationality: "GBR",
        pattern: Pattern::Western,
        airports: "LHR LGW MAN EDI BHX GLA BRS",
        surnames: "SMITH JONES TAYLOR BROWN WILLIAMS WILSON JOHNSON DAVIES ROBINSON WRIGHT THOMPSON EVANS WALKER WHITE ROBERTS GREEN HALL WOOD JACKSON CLARKE PATEL KHAN LEWIS JAMES PHILLIPS MASON MITCHELL ROSE DAVIS RODRIGUEZ COX ALEXANDER MORGAN MOORE ALI HUGHES OBRIEN OCONNOR MACKENZIE FRASER",
        male: "OLIVER GEORGE HARRY JACK CHARLIE THOMAS OSCAR WILLIAM JAMES HENRY ALFIE JOSHUA FREDDIE ARCHIE ETHAN ISAAC ALEXANDER JOSEPH EDWARD SAMUEL MAX DANIEL ARTHUR LUCAS",
        female: "OLIVIA AMELIA ISLA AVA EMILY ISABELLA MIA POPPY ELLA LILY SOPHIA GRACE EVIE SCARLETT RUBY CHLOE ISABELLE DAISY FREYA PHOEBE FLORENCE ALICE MATILDA HARRIET",
    },
];

/// The names of a pool, `_` turned back into spaces.
pub fn words(s: &'static str) -> Vec<String> {
    s.split_whitespace().map(|w| w.replace('_', " ")).collect()
}
