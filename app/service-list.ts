// Every service, one line each: a new service is its folder, its contract file and a line here.
export { default as analytics } from "../services/analytics";
export { default as api } from "../services/api";
export { default as audit } from "../services/audit";
export { default as cart } from "../services/cart";
export { default as catalog } from "../services/catalog";
export { default as classroom } from "../services/classroom";
export { default as courses } from "../services/courses";
export { default as documents } from "../services/documents";
export { default as engagement } from "../services/engagement";
export { default as notifications } from "../services/notifications";
export { default as orders } from "../services/orders";
export { default as payments } from "../services/payments";
export { default as quizzes } from "../services/quizzes";
export { default as search } from "../services/search";
export { default as speech } from "../services/speech";
export { default as tutor } from "../services/tutor";
export { default as users } from "../services/users";
