// Booking the remote inspection with the enterprise: slots, devices, connection tests, missed appointments.
import type { Module } from '../../platform/context.ts';
import { bookingRoutes, installMissedAppointmentSweep } from './booking.routes.ts';

export const bookingModule: Module = {
  name: 'booking',
  routes(app, ctx) {
    bookingRoutes(app, ctx);
    installMissedAppointmentSweep(app, ctx);
  },
};
