// Two templates an ISP sends most: planned maintenance and an outage notice, in English, French
// and Spanish, email and SMS. Upserted by name, so seeding twice changes nothing.
import type { Content } from '../content/content.js';

type DemoTemplate = Content & { name: string };

const footer = (text: string) =>
  `<p style="color:#666;font-size:12px">${text} <a href="{{ unsubscribe_url }}">Unsubscribe</a></p>`;

export const DEMO_TEMPLATES: DemoTemplate[] = [
  {
    name: 'Planned maintenance',
    defaultLanguage: 'en',
    email: {
      en: {
        subject: 'Planned maintenance in {{ account.attributes.service_area | default: "your area" }}',
        html:
          '<p>Hello {{ account.first_name | default: "there" }},</p>' +
          '<p>We will upgrade our network in {{ account.attributes.service_area | default: "your area" }} tonight between 1:00 and 5:00. ' +
          'Your {{ account.attributes.plan | default: "internet" }} service may be interrupted for up to 30 minutes.</p>' +
          footer('You receive this because you are a customer.'),
        text:
          'Hello {{ account.first_name | default: "there" }},\n\nWe will upgrade our network in ' +
          '{{ account.attributes.service_area | default: "your area" }} tonight between 1:00 and 5:00. ' +
          'Your service may be interrupted for up to 30 minutes.\n\nUnsubscribe: {{ unsubscribe_url }}',
      },
      fr: {
        subject: 'Maintenance planifiée à {{ account.attributes.service_area | default: "votre secteur" }}',
        html:
          '<p>Bonjour {{ account.first_name | default: "" }},</p>' +
          '<p>Nous améliorerons notre réseau à {{ account.attributes.service_area | default: "votre secteur" }} cette nuit entre 1 h et 5 h. ' +
          'Votre service pourrait être interrompu jusqu’à 30 minutes.</p>' +
          footer('Vous recevez ce message parce que vous êtes client.'),
        text:
          'Bonjour {{ account.first_name | default: "" }},\n\nNous améliorerons notre réseau cette nuit entre 1 h et 5 h. ' +
          'Votre service pourrait être interrompu jusqu’à 30 minutes.\n\nDésabonnement : {{ unsubscribe_url }}',
      },
      es: {
        subject: 'Mantenimiento programado en {{ account.attributes.service_area | default: "su zona" }}',
        html:
          '<p>Hola {{ account.first_name | default: "" }}:</p>' +
          '<p>Esta noche, entre la 1:00 y las 5:00, mejoraremos nuestra red. Su servicio podría interrumpirse hasta 30 minutos.</p>' +
          footer('Recibe este mensaje porque es cliente.'),
        text:
          'Hola {{ account.first_name | default: "" }}:\n\nEsta noche, entre la 1:00 y las 5:00, mejoraremos nuestra red. ' +
          'Su servicio podría interrumpirse hasta 30 minutos.\n\nCancelar suscripción: {{ unsubscribe_url }}',
      },
    },
    sms: {
      en: { body: 'Planned maintenance tonight 1-5 AM in {{ account.attributes.service_area | default: "your area" }}: up to 30 min without service.' },
      fr: { body: 'Maintenance cette nuit de 1 h à 5 h : jusqu’à 30 min sans service.' },
      es: { body: 'Mantenimiento esta noche de 1:00 a 5:00: hasta 30 min sin servicio.' },
    },
  },
  {
    name: 'Outage',
    defaultLanguage: 'en',
    email: {
      en: {
        subject: 'Service outage in {{ account.attributes.service_area | default: "your area" }}',
        html:
          '<p>Hello {{ account.first_name | default: "there" }},</p>' +
          '<p>A fibre cut has interrupted service in {{ account.attributes.service_area | default: "your area" }}. ' +
          'Our crews are on site; we will write again when service is back. Your bill will be credited for the outage.</p>' +
          footer('You receive this because you are a customer.'),
        text:
          'Hello {{ account.first_name | default: "there" }},\n\nA fibre cut has interrupted service in ' +
          '{{ account.attributes.service_area | default: "your area" }}. Our crews are on site; we will write again when service is back.' +
          '\n\nUnsubscribe: {{ unsubscribe_url }}',
      },
      fr: {
        subject: 'Panne de service à {{ account.attributes.service_area | default: "votre secteur" }}',
        html:
          '<p>Bonjour {{ account.first_name | default: "" }},</p>' +
          '<p>Une coupure de fibre a interrompu le service. Nos équipes sont sur place ; nous vous écrirons au retour du service.</p>' +
          footer('Vous recevez ce message parce que vous êtes client.'),
        text:
          'Bonjour {{ account.first_name | default: "" }},\n\nUne coupure de fibre a interrompu le service. ' +
          'Nos équipes sont sur place.\n\nDésabonnement : {{ unsubscribe_url }}',
      },
    },
    sms: {
      en: { body: 'Outage in {{ account.attributes.service_area | default: "your area" }}: crews are on site. We will text when service is back.' },
      fr: { body: 'Panne dans votre secteur : nos équipes sont sur place. Nous vous écrirons au retour du service.' },
    },
  },
];
