/**
 * Three short study documents, written for the study assistant's tests and sample: each page a
 * few paragraphs of plain facts, so a question's answer sits on one known page.
 */
export interface StudyDocument {
  file: string;
  pages: string[];
}

export const SOLAR_SYSTEM: StudyDocument = {
  file: "solar-system.pdf",
  pages: [
    "The Sun is the star at the centre of the Solar System. It holds 99.8 percent of the mass of the whole system. Light from the Sun takes about 8 minutes to reach the Earth. The Sun formed about 4.6 billion years ago from a collapsing cloud of gas and dust.",
    "Mercury is the smallest planet and the closest to the Sun. A year on Mercury lasts 88 Earth days. Venus is the hottest planet because its thick atmosphere of carbon dioxide traps heat. The surface of Venus reaches 465 degrees Celsius.",
    "Jupiter is the largest planet in the Solar System. Jupiter has 95 known moons. Galileo Galilei discovered the four largest moons of Jupiter in 1610. The Great Red Spot is a storm on Jupiter that has lasted for centuries.",
    "Saturn is famous for its bright rings of ice and rock. Christiaan Huygens described the rings of Saturn in 1659. Titan is the largest moon of Saturn and has a thick atmosphere of nitrogen. Neptune is the farthest planet from the Sun.",
  ],
};

export const HUMAN_HEART: StudyDocument = {
  file: "human-heart.pdf",
  pages: [
    "The heart is a muscular organ that pumps blood through the body. An adult heart beats about 70 times a minute at rest. The heart has four chambers: two atria and two ventricles.",
    "The right side of the heart pumps blood to the lungs, where it takes up oxygen. The left ventricle pumps oxygen rich blood into the aorta, the largest artery of the body. Valves keep the blood flowing in one direction.",
    "William Harvey described the circulation of the blood in 1628. The first human heart transplant was performed by Christiaan Barnard in 1967 in Cape Town. A pacemaker sends small electrical pulses to keep the heart beating regularly.",
  ],
};

export const PRINTING_PRESS: StudyDocument = {
  file: "printing-press.pdf",
  pages: [
    "Johannes Gutenberg built a printing press with movable metal type in Mainz. His press printed the Gutenberg Bible around 1455. About 180 copies of the Gutenberg Bible were printed.",
    "Before the press, books were copied by hand, often by monks in monasteries. Printing made books cheaper and helped ideas spread quickly across Europe. By 1500 more than 1,000 printing shops were working in Europe.",
    "William Caxton brought the printing press to England in 1476. He printed The Canterbury Tales by Geoffrey Chaucer. Paper made from linen rags was the usual material for early printed books.",
  ],
};

export const STUDY_CORPUS = [SOLAR_SYSTEM, HUMAN_HEART, PRINTING_PRESS];

/**
 * Questions with the page that answers them and words the answer must hold; `null` where no
 * document says.
 */
export const STUDY_QUESTIONS: { q: string; doc: string; page: number; answer: string }[] = [
  {
    q: "How long does light from the Sun take to reach the Earth?",
    doc: "solar-system.pdf",
    page: 1,
    answer: "8 minutes",
  },
  {
    q: "How much of the mass of the Solar System does the Sun hold?",
    doc: "solar-system.pdf",
    page: 1,
    answer: "99.8",
  },
  { q: "When did the Sun form?", doc: "solar-system.pdf", page: 1, answer: "4.6 billion" },
  { q: "Which planet is the smallest?", doc: "solar-system.pdf", page: 2, answer: "Mercury" },
  { q: "How long is a year on Mercury?", doc: "solar-system.pdf", page: 2, answer: "88" },
  {
    q: "Why is Venus the hottest planet?",
    doc: "solar-system.pdf",
    page: 2,
    answer: "carbon dioxide",
  },
  {
    q: "What temperature does the surface of Venus reach?",
    doc: "solar-system.pdf",
    page: 2,
    answer: "465",
  },
  { q: "Which planet is the largest?", doc: "solar-system.pdf", page: 3, answer: "Jupiter" },
  { q: "How many moons does Jupiter have?", doc: "solar-system.pdf", page: 3, answer: "95" },
  {
    q: "Who discovered the largest moons of Jupiter?",
    doc: "solar-system.pdf",
    page: 3,
    answer: "Galileo",
  },
  { q: "What is the Great Red Spot?", doc: "solar-system.pdf", page: 3, answer: "storm" },
  {
    q: "What are the rings of Saturn made of?",
    doc: "solar-system.pdf",
    page: 4,
    answer: "ice and rock",
  },
  { q: "Who described the rings of Saturn?", doc: "solar-system.pdf", page: 4, answer: "Huygens" },
  { q: "What is the largest moon of Saturn?", doc: "solar-system.pdf", page: 4, answer: "Titan" },
  {
    q: "Which planet is farthest from the Sun?",
    doc: "solar-system.pdf",
    page: 4,
    answer: "Neptune",
  },
  {
    q: "How many times a minute does an adult heart beat at rest?",
    doc: "human-heart.pdf",
    page: 1,
    answer: "70",
  },
  {
    q: "How many chambers does the heart have?",
    doc: "human-heart.pdf",
    page: 1,
    answer: "four chambers",
  },
  {
    q: "Where does the right side of the heart pump blood?",
    doc: "human-heart.pdf",
    page: 2,
    answer: "lungs",
  },
  {
    q: "What is the largest artery of the body?",
    doc: "human-heart.pdf",
    page: 2,
    answer: "aorta",
  },
  {
    q: "What keeps the blood flowing in one direction?",
    doc: "human-heart.pdf",
    page: 2,
    answer: "Valves",
  },
  {
    q: "Who described the circulation of the blood?",
    doc: "human-heart.pdf",
    page: 3,
    answer: "Harvey",
  },
  {
    q: "When was the first human heart transplant performed?",
    doc: "human-heart.pdf",
    page: 3,
    answer: "1967",
  },
  { q: "What does a pacemaker do?", doc: "human-heart.pdf", page: 3, answer: "electrical pulses" },
  {
    q: "Who built a printing press with movable metal type?",
    doc: "printing-press.pdf",
    page: 1,
    answer: "Gutenberg",
  },
  {
    q: "When was the Gutenberg Bible printed?",
    doc: "printing-press.pdf",
    page: 1,
    answer: "1455",
  },
  {
    q: "How many copies of the Gutenberg Bible were printed?",
    doc: "printing-press.pdf",
    page: 1,
    answer: "180",
  },
  {
    q: "Who copied books before the printing press?",
    doc: "printing-press.pdf",
    page: 2,
    answer: "monks",
  },
  {
    q: "How many printing shops were working in Europe by 1500?",
    doc: "printing-press.pdf",
    page: 2,
    answer: "1,000",
  },
  {
    q: "Who brought the printing press to England?",
    doc: "printing-press.pdf",
    page: 3,
    answer: "Caxton",
  },
  {
    q: "What material was used for early printed books?",
    doc: "printing-press.pdf",
    page: 3,
    answer: "linen rags",
  },
];

/** Questions none of the documents answers: the tutor must say so. */
export const ABSENT_QUESTIONS = [
  "What is the capital of Australia?",
  "How many legs does a spider have?",
  "Who painted the Mona Lisa?",
  "What is the boiling point of mercury?",
  "When did the Roman Empire fall?",
];
